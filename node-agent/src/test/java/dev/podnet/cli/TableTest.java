package dev.podnet.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableTest
{
    @Test
    void shouldAlignColumnsWithTwoSpacesAndNoTrailingSpaces()
    {
        final Table table = new Table("NAME", "STATUS", "CIDR")
            .row("node-1", "Ready", "10.244.0.0/24")
            .row("n2", "NotReady", "10.244.10.0/24");

        assertThat(table.lines("")).containsExactly(
            "NAME    STATUS    CIDR",
            "node-1  Ready     10.244.0.0/24",
            "n2      NotReady  10.244.10.0/24");
    }

    @Test
    void shouldPrintMissingCellsAsNoneLikeKubectl()
    {
        final Table table = new Table("NAME", "REASON", "PODS").row("a", null, "").row("b");

        assertThat(table.lines("  ")).containsExactly(
            "  NAME  REASON  PODS",
            "  a     <none>  <none>",
            "  b     <none>  <none>");
    }

    @Test
    void shouldRefuseMoreCellsThanColumns()
    {
        assertThatThrownBy(() -> new Table("A").row("1", "2"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("2 cells for 1 columns [A]");
    }

    @Test
    void shouldPrintAgesAsShortAsTheyStayUseful()
    {
        assertThat(Output.age(850)).isEqualTo("850ms");
        assertThat(Output.age(12_400)).isEqualTo("12s");
        assertThat(Output.age(184_000)).isEqualTo("3m4s");
        assertThat(Output.age(180_000)).isEqualTo("3m");
        assertThat(Output.age(7_500_000)).isEqualTo("2h5m");
        assertThat(Output.age(273_600_000)).isEqualTo("3d4h");
        assertThat(Output.age(-1)).as("unknown").isEmpty();
    }
}
