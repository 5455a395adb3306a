package dev.podnet.policy;

import java.util.List;

/**
 * A reachability matrix in the layout of Kubernetes' e2e network policy framework
 * ({@code test/e2e/network/netpol/truthtable.go}): a header row {@code -} then the destinations, one row per
 * source, tab-separated, each cell one word. The framework writes {@code .} for reachable and {@code X}
 * for not; {@link #of} takes any words (podnet's check also writes {@code denied} and {@code timeout}).
 *
 * @param names the pods, {@code namespace/name}, as both the rows (from) and the columns (to)
 * @param cells {@code cells[from][to]}
 */
public record TruthTable(List<String> names, String[][] cells)
{
    public static final String REACHABLE = ".";
    public static final String BLOCKED = "X";

    /** The matrix of a predicate on (from, to) indexes: {@code .} or {@code X}. */
    public static TruthTable of(final List<String> names, final java.util.function.BiPredicate<Integer, Integer> reachable)
    {
        final String[][] cells = new String[names.size()][names.size()];
        for (int from = 0; from < names.size(); from++)
        {
            for (int to = 0; to < names.size(); to++)
            {
                cells[from][to] = reachable.test(from, to) ? REACHABLE : BLOCKED;
            }
        }
        return new TruthTable(List.copyOf(names), cells);
    }

    /** The upstream layout, with {@code indent} before every line. */
    public String pretty(final String indent)
    {
        final StringBuilder text = new StringBuilder(indent).append("-");
        for (final String name : names)
        {
            text.append('\t').append(name);
        }
        text.append('\n');
        for (int from = 0; from < names.size(); from++)
        {
            text.append(indent).append(names.get(from));
            for (int to = 0; to < names.size(); to++)
            {
                text.append('\t').append(cells[from][to]);
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** Cells that differ from {@code other}'s, as upstream's comparison: {@code .} where equal, {@code X} where not. */
    public TruthTable compare(final TruthTable other)
    {
        return of(names, (from, to) -> cells[from][to].equals(other.cells[from][to]));
    }

    /** How many cells differ from {@code other}'s. */
    public int differences(final TruthTable other)
    {
        int count = 0;
        for (int from = 0; from < names.size(); from++)
        {
            for (int to = 0; to < names.size(); to++)
            {
                count += cells[from][to].equals(other.cells[from][to]) ? 0 : 1;
            }
        }
        return count;
    }

    public String cell(final String from, final String to)
    {
        return cells[names.indexOf(from)][names.indexOf(to)];
    }
}
