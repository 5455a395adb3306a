/**
 * {@code podnet-cni}, the CNI plugin: a container runtime's ADD, DEL, CHECK, STATUS, GC and VERSION turned
 * into requests to the local agent's HTTP API (real pods). Depends on the API's JSON only, and on
 * {@code dev.podnet.tap} to look inside a namespace for CHECK.
 */
package dev.podnet.cni;
