package dev.podnet.controlplane;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * An {@link SSLEngine} that does what the engine it wraps does, and reports a failed handshake (as thrown by
 * {@code wrap} or {@code unwrap}: a peer's alert, a refused certificate) before passing it on: how the node
 * that accepted a connection learns, and logs, that the other refused its key ({@link ClusterTls}).
 */
final class RefusalLoggingEngine extends SSLEngine
{
    private final SSLEngine engine;
    private final Consumer<SSLHandshakeException> onFailure;

    RefusalLoggingEngine(final SSLEngine engine, final Consumer<SSLHandshakeException> onFailure)
    {
        super(engine.getPeerHost(), engine.getPeerPort());
        this.engine = engine;
        this.onFailure = onFailure;
    }

    @Override
    public SSLEngineResult wrap(final ByteBuffer[] sources, final int offset, final int length, final ByteBuffer destination)
        throws SSLException
    {
        try
        {
            return engine.wrap(sources, offset, length, destination);
        }
        catch (final SSLHandshakeException ex)
        {
            onFailure.accept(ex);
            throw ex;
        }
    }

    @Override
    public SSLEngineResult unwrap(final ByteBuffer source, final ByteBuffer[] destinations, final int offset, final int length)
        throws SSLException
    {
        try
        {
            return engine.unwrap(source, destinations, offset, length);
        }
        catch (final SSLHandshakeException ex)
        {
            onFailure.accept(ex);
            throw ex;
        }
    }

    @Override
    public Runnable getDelegatedTask()
    {
        return engine.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException
    {
        engine.closeInbound();
    }

    @Override
    public boolean isInboundDone()
    {
        return engine.isInboundDone();
    }

    @Override
    public void closeOutbound()
    {
        engine.closeOutbound();
    }

    @Override
    public boolean isOutboundDone()
    {
        return engine.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites()
    {
        return engine.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites()
    {
        return engine.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(final String[] suites)
    {
        engine.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols()
    {
        return engine.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols()
    {
        return engine.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(final String[] protocols)
    {
        engine.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession()
    {
        return engine.getSession();
    }

    @Override
    public SSLSession getHandshakeSession()
    {
        return engine.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException
    {
        engine.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus()
    {
        return engine.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(final boolean mode)
    {
        engine.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode()
    {
        return engine.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(final boolean need)
    {
        engine.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth()
    {
        return engine.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(final boolean want)
    {
        engine.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth()
    {
        return engine.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(final boolean flag)
    {
        engine.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation()
    {
        return engine.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters()
    {
        return engine.getSSLParameters();
    }

    @Override
    public void setSSLParameters(final SSLParameters parameters)
    {
        engine.setSSLParameters(parameters);
    }

    @Override
    public String getApplicationProtocol()
    {
        return engine.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol()
    {
        return engine.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(final BiFunction<SSLEngine, java.util.List<String>, String> selector)
    {
        engine.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, java.util.List<String>, String> getHandshakeApplicationProtocolSelector()
    {
        return engine.getHandshakeApplicationProtocolSelector();
    }
}
