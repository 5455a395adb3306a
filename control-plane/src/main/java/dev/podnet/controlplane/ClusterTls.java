package dev.podnet.controlplane;

import akka.remote.artery.tcp.SSLEngineProvider;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;
import java.math.BigInteger;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TLS for the cluster port (Akka Artery {@code tls-tcp}) with a key made from the {@link ClusterSecret}:
 * every node of a cluster derives the same Ed25519 key pair from the secret (HKDF, then the 32-byte seed
 * RFC 8032 takes) and the same self-signed certificate, and trusts exactly that key. Mutual
 * authentication: a node that holds another secret presents another key, and the handshake fails, so it
 * cannot join the cluster nor send any message to an actor. TLS 1.3 only.
 * <p>
 * Why TLS rather than Akka's join configuration compatibility check
 * ({@code akka.cluster.configuration-compatibility-check}): that check compares configuration a joining
 * node sends in the clear in its {@code InitJoin}, so the secret (or anything derived from it) would cross
 * the network readable and replayable, and it guards only the join: anyone who reaches the port could still
 * send messages to the replicator or the lease allocator without being a member. TLS keeps the secret off the
 * wire, encrypts the control plane and refuses every connection without the key.
 * <p>
 * The refusal is logged on both sides, without the secret (the keys' fingerprints, a hash of the public
 * key, tell which nodes share one): the node that connects sees the other's key first (TLS 1.3) and
 * refuses it; the node that accepted the connection gets the refusal as a handshake alert and logs that
 * the peer holds another secret (or is no podnet node at all: TLS cannot tell it more). At most one line
 * per peer and side every {@value #LOG_INTERVAL_MS} ms: a refused node retries its join every few seconds.
 */
public final class ClusterTls implements SSLEngineProvider
{
    static final long LOG_INTERVAL_MS = 30_000;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTls.class);
    private static final String PROTOCOL = "TLSv1.3";
    private static final char[] STORE_PASSWORD = "podnet".toCharArray();
    /** Far apart fixed dates: the certificate is the same on every node, whenever made. */
    private static final Date NOT_BEFORE = new Date(946_684_800_000L);    // 2000-01-01
    private static final Date NOT_AFTER = new Date(4_102_444_800_000L);   // 2100-01-01

    private final String nodeName;
    private final SSLContext context;
    private final byte[] publicKey;
    private final String fingerprint;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /** The TLS of node {@code nodeName}, whose cluster shares {@code secret}. */
    public ClusterTls(final String nodeName, final ClusterSecret secret)
    {
        this.nodeName = nodeName;
        try
        {
            final Ed25519PrivateKeyParameters seed = new Ed25519PrivateKeyParameters(secret.derive("podnet cluster tls key", 32));
            final KeyFactory keys = KeyFactory.getInstance("Ed25519");
            final PrivateKey privateKey = keys.generatePrivate(
                new PKCS8EncodedKeySpec(PrivateKeyInfoFactory.createPrivateKeyInfo(seed).getEncoded()));
            final PublicKey key = keys.generatePublic(
                new X509EncodedKeySpec(SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(seed.generatePublicKey()).getEncoded()));
            final X500Name name = new X500Name("CN=podnet cluster");
            final X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                new X509v3CertificateBuilder(name, BigInteger.ONE, NOT_BEFORE, NOT_AFTER, name,
                    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(key.getEncoded()))
                    .build(new JcaContentSignerBuilder("Ed25519").build(privateKey)));

            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("podnet", privateKey, STORE_PASSWORD, new Certificate[] {certificate});
            final KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
            keyManagers.init(store, STORE_PASSWORD);

            this.publicKey = key.getEncoded();
            this.fingerprint = fingerprint(publicKey);
            this.context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManagers.getKeyManagers(), new javax.net.ssl.TrustManager[] {new SameKeyTrustManager()},
                new SecureRandom());
        }
        catch (final GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException | java.io.IOException ex)
        {
            throw new IllegalStateException("cannot make the cluster's TLS key from its secret: " + ex, ex);
        }
    }

    /** A short hash of the cluster's public key: equal on nodes that share the secret, and safe to log. */
    public String fingerprint()
    {
        return fingerprint;
    }

    @Override
    public SSLEngine createServerSSLEngine(final String hostname, final int port)
    {
        final SSLEngine engine = context.createSSLEngine(hostname, port);
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(true);
        engine.setEnabledProtocols(new String[] {PROTOCOL});
        return new RefusalLoggingEngine(engine, failure -> logRefusal("client " + hostname,
            "refused a cluster connection from " + hostname + ": its TLS handshake failed (" + failure.getMessage() +
                "): it holds another cluster secret, or is no podnet node", null));
    }

    @Override
    public SSLEngine createClientSSLEngine(final String hostname, final int port)
    {
        final SSLEngine engine = context.createSSLEngine(hostname, port);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {PROTOCOL});
        return engine;
    }

    /** Called on the connecting side once the handshake is done: the node connected to must hold our key. */
    @Override
    public Option<Throwable> verifyClientSession(final String hostname, final SSLSession session)
    {
        return verify(session, "the node at " + hostname + ":" + session.getPeerPort());
    }

    /** Called on the accepting side once the handshake is done: the node that connected must hold our key. */
    @Override
    public Option<Throwable> verifyServerSession(final String hostname, final SSLSession session)
    {
        return verify(session, "a node connecting from " + hostname);
    }

    private Option<Throwable> verify(final SSLSession session, final String who)
    {
        try
        {
            final Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && MessageDigest.isEqual(chain[0].getPublicKey().getEncoded(), publicKey))
            {
                return Option.empty();
            }
            return Option.apply(new SSLException(who + " holds another cluster secret: session refused"));
        }
        catch (final SSLPeerUnverifiedException ex)
        {
            return Option.apply(ex);
        }
    }

    private static String fingerprint(final byte[] key)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 8);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }

    private boolean sameKey(final X509Certificate[] chain)
    {
        return chain != null && chain.length > 0 && MessageDigest.isEqual(chain[0].getPublicKey().getEncoded(), publicKey);
    }

    private void logRefusal(final String key, final String message, final X509Certificate[] chain)
    {
        final long now = System.currentTimeMillis();
        final Long last = lastLogged.get(key);
        if (last != null && now - last < LOG_INTERVAL_MS)
        {
            return;
        }
        lastLogged.put(key, now);
        final String theirs = chain == null || chain.length == 0 ? "" :
            "its cluster key fingerprint " + fingerprint(chain[0].getPublicKey().getEncoded()) + ", ";
        LOG.warn("node {}: {} ({}this cluster's {}): PODNET_CLUSTER_SECRET differs", nodeName, message, theirs, fingerprint);
    }

    /** Trusts exactly the cluster's own key; says so in the log when a peer has another. */
    private final class SameKeyTrustManager extends X509ExtendedTrustManager
    {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
            throws CertificateException
        {
            if (!sameKey(chain))
            {
                final String from = engine.getPeerHost() == null ? "a node" : engine.getPeerHost();
                logRefusal("client " + from, "refused a cluster connection from " + from +
                    ": it holds another cluster secret and cannot join", chain);
                throw new CertificateException("the peer holds another cluster secret");
            }
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
            throws CertificateException
        {
            if (!sameKey(chain))
            {
                final String to = engine.getPeerHost() + ":" + engine.getPeerPort();
                logRefusal("server " + to, "cannot join the cluster through " + to + ": that node holds another cluster secret",
                    chain);
                throw new CertificateException("the node at " + to + " holds another cluster secret");
            }
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
            throws CertificateException
        {
            throw new CertificateException("the cluster's TLS runs on SSLEngines only");
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
            throws CertificateException
        {
            throw new CertificateException("the cluster's TLS runs on SSLEngines only");
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType) throws CertificateException
        {
            throw new CertificateException("the cluster's TLS runs on SSLEngines only");
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType) throws CertificateException
        {
            throw new CertificateException("the cluster's TLS runs on SSLEngines only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers()
        {
            return new X509Certificate[0];
        }
    }
}
