/**
 * Real pods' plumbing: TAP devices through JNA system calls ({@link dev.podnet.tap.TapDevice}) and
 * network namespaces through iproute2 ({@link dev.podnet.tap.Namespaces}), and whether this process may
 * use them ({@link dev.podnet.tap.RealPodSupport}). Depends on nothing else of podnet; the data plane
 * reads and writes the TAP devices, {@code dev.podnet.dataplane.RealPods} ties the two together.
 */
package dev.podnet.tap;
