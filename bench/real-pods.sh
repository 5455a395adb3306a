#!/usr/bin/env bash
# Real pods through podnet next to the kernel's own VXLAN, in the same run: iperf3 TCP and UDP, and ping RTT,
# between two network namespaces on two podnet nodes (two agent JVMs on loopback, static mode, each namespace's
# eth0 a TAP device on its node's bridge: pod -> bridge -> router -> Aeron tunnel -> router -> bridge -> pod),
# and between two namespaces joined by a Linux VXLAN device over a veth pair (what flannel's vxlan backend does).
#
#   bench/real-pods.sh [--seconds 10] [--idle-mode efficient]      as root; needs iperf3, python3, iproute2
#
# Prints a Markdown table with the ratio podnet / kernel VXLAN (docs/BENCHMARKS.md keeps the figures).
# Everything it makes is named pn-bench-* and removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=10
idle_mode=efficient
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --idle-mode) idle_mode="$2"; shift 2 ;;
    *) echo "usage: bench/real-pods.sh [--seconds N] [--idle-mode MODE]" >&2; exit 2 ;;
  esac
done
[[ $EUID -eq 0 ]] || { echo "real-pods: needs root (network namespaces, TAP devices)" >&2; exit 2; }
for tool in iperf3 python3 ip ping curl; do
  command -v "$tool" >/dev/null || { echo "real-pods: $tool is missing (.ci/run installs it)" >&2; exit 2; }
done

work="$(mktemp -d /tmp/pn-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in pn-bench-va pn-bench-vb pn-bench-a pn-bench-b; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, int(sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"; }
tcp=1; udp=2
api_a=$(free_port $tcp); api_b=$(free_port $tcp); tun_a=$(free_port $udp); tun_b=$(free_port $udp)

./podnet --help >/dev/null   # builds the agent once, when the checkout changed, before two launchers would
echo "real-pods: two agents (idle mode $idle_mode), logs in $work" >&2
./podnet agent --node pn-bench-na --pod-cidr 10.244.201.0/24 --tunnel-bind 127.0.0.1 --tunnel-port "$tun_a" \
  --api-bind 127.0.0.1 --api-port "$api_a" --idle-mode "$idle_mode" --peer "pn-bench-nb=10.244.202.0/24@127.0.0.1:$tun_b" --pods 1 \
  > "$work/a.log" 2>&1 & pids+=($!)
./podnet agent --node pn-bench-nb --pod-cidr 10.244.202.0/24 --tunnel-bind 127.0.0.1 --tunnel-port "$tun_b" \
  --api-bind 127.0.0.1 --api-port "$api_b" --idle-mode "$idle_mode" --peer "pn-bench-na=10.244.201.0/24@127.0.0.1:$tun_a" --pods 1 \
  > "$work/b.log" 2>&1 & pids+=($!)
for api in "$api_a" "$api_b"; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$api/healthz" >/dev/null && break; sleep 0.5; done
done

pod() { curl -sf -XPOST "http://127.0.0.1:$1/api/v1/pods" -d "{\"name\":\"$2\",\"netns\":true}"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
pod_a=$(pod "$api_a" pn-bench-a); pod_b=$(pod "$api_b" pn-bench-b)
ip_a=$(field ip <<<"$pod_a"); ip_b=$(field ip <<<"$pod_b")
mac_a=$(field mac <<<"$pod_a"); mac_b=$(field mac <<<"$pod_b")
# static mode: each node is told where the other's pod is (the control plane does this in cluster mode)
curl -sf -XPUT "http://127.0.0.1:$api_a/api/v1/endpoints" -d "{\"ip\":\"$ip_b\",\"mac\":\"$mac_b\",\"node\":\"pn-bench-nb\",\"pod\":\"pn-bench-b\"}"
curl -sf -XPUT "http://127.0.0.1:$api_b/api/v1/endpoints" -d "{\"ip\":\"$ip_a\",\"mac\":\"$mac_a\",\"node\":\"pn-bench-na\",\"pod\":\"pn-bench-a\"}"
# and of the emulated pods (pn-bench-na-1, pn-bench-nb-1): their ping is the same path without TAP devices
emu_a=$(curl -sf "http://127.0.0.1:$api_a/api/v1/pods/pn-bench-na-1"); emu_b=$(curl -sf "http://127.0.0.1:$api_b/api/v1/pods/pn-bench-nb-1")
curl -sf -XPUT "http://127.0.0.1:$api_a/api/v1/endpoints" -d "{\"ip\":\"$(field ip <<<"$emu_b")\",\"mac\":\"$(field mac <<<"$emu_b")\",\"node\":\"pn-bench-nb\",\"pod\":\"pn-bench-nb-1\"}"
curl -sf -XPUT "http://127.0.0.1:$api_b/api/v1/endpoints" -d "{\"ip\":\"$(field ip <<<"$emu_a")\",\"mac\":\"$(field mac <<<"$emu_a")\",\"node\":\"pn-bench-na\",\"pod\":\"pn-bench-na-1\"}"
for _ in $(seq 1 60); do ip netns exec pn-bench-a ping -c 1 -W 1 "$ip_b" >/dev/null 2>&1 && break; done

# the kernel's VXLAN: two namespaces, a veth pair as their underlay, a VXLAN device each (VNI 42, port 4789)
ip netns add pn-bench-va; ip netns add pn-bench-vb
ip link add pn-bench-u0 netns pn-bench-va type veth peer name pn-bench-u1 netns pn-bench-vb
ip -n pn-bench-va addr add 192.0.2.1/24 dev pn-bench-u0; ip -n pn-bench-vb addr add 192.0.2.2/24 dev pn-bench-u1
for side in a b; do
  ns=pn-bench-v$side; local_ip=192.0.2.1; remote=192.0.2.2; over=10.250.0.1
  [[ $side == b ]] && { local_ip=192.0.2.2; remote=192.0.2.1; over=10.250.0.2; }
  ip -n "$ns" link set lo up; ip -n "$ns" link set "pn-bench-u$([[ $side == a ]] && echo 0 || echo 1)" up
  ip -n "$ns" link add vxlan0 type vxlan id 42 dstport 4789 local "$local_ip" remote "$remote"
  ip -n "$ns" addr add "$over/24" dev vxlan0; ip -n "$ns" link set vxlan0 up
done
ip netns exec pn-bench-va ping -c 1 -W 2 10.250.0.2 >/dev/null

# one pair: iperf3 TCP, iperf3 UDP (1300-byte datagrams: under podnet's 1413-byte pod MTU), ping RTT
measure() {
  local client=$1 server=$2 target=$3 label=$4
  # ping first (after a UDP flood the queues it filled would still be draining), after 1 s of warm-up
  ip netns exec "$client" ping -q -c 100 -i 0.01 "$target" > /dev/null
  ip netns exec "$client" ping -n -c 1000 -i 0.01 -s 56 "$target" > "$work/$label-ping.txt"
  ip netns exec "$server" iperf3 -s -1 -B "$target" -D --logfile "$work/$label-s1.log"; sleep 0.5
  ip netns exec "$client" iperf3 -c "$target" -t "$seconds" -J > "$work/$label-tcp.json"
  ip netns exec "$server" iperf3 -s -1 -B "$target" -D --logfile "$work/$label-s2.log"; sleep 0.5
  ip netns exec "$client" iperf3 -c "$target" -u -b 10G -l 1300 -t "$seconds" -J > "$work/$label-udp.json"
}
measure pn-bench-a pn-bench-b "$ip_b" podnet
curl -sf -XPOST "http://127.0.0.1:$api_a/api/v1/pods/pn-bench-na-1/ping" -d "{\"target\":\"$(field ip <<<"$emu_b")\",\"count\":100,\"intervalMs\":10}" >/dev/null
curl -sf -XPOST "http://127.0.0.1:$api_a/api/v1/pods/pn-bench-na-1/ping" -d "{\"target\":\"$(field ip <<<"$emu_b")\",\"count\":1000,\"intervalMs\":10,\"timeoutMs\":5000}" > "$work/emulated-ping.json"
measure pn-bench-va pn-bench-vb 10.250.0.2 vxlan
echo "real-pods: podnet drops: node a $(curl -s "http://127.0.0.1:$api_a/api/v1/drops"), node b $(curl -s "http://127.0.0.1:$api_b/api/v1/drops")" >&2
echo "real-pods: TAP devices: a $(ip -n pn-bench-a -s -o link show eth0 | tr -s ' ' | cut -c1-400)" >&2

python3 - "$work" "$seconds" "$idle_mode" <<'PY'
import json, re, sys
work, seconds, idle = sys.argv[1], sys.argv[2], sys.argv[3]
def tcp(label):
    j = json.load(open(f"{work}/{label}-tcp.json"))["end"]
    return j["sum_received"]["bits_per_second"] / 1e9, j["sum_sent"].get("retransmits", 0)
def udp(label):
    j = json.load(open(f"{work}/{label}-udp.json"))
    if "sum" not in j.get("end", {}):
        print(f"real-pods: iperf3 UDP over {label} failed: {j.get('error', 'no result')}", file=sys.stderr)
        return float("nan"), float("nan")
    j = j["end"]["sum"]
    return j["bits_per_second"] * (1 - j["lost_percent"] / 100) / 1e9, j["lost_percent"]
def ping(label):
    times = sorted(float(t) * 1000 for t in re.findall(r"time=([\d.]+) ms", open(f"{work}/{label}-ping.txt").read()))
    if not times:
        return float("nan"), float("nan")
    return times[len(times) // 2], times[min(len(times) - 1, len(times) * 99 // 100)]
rows = []
pt, pr = tcp("podnet"); vt, vr = tcp("vxlan")
pu, pl = udp("podnet"); vu, vl = udp("vxlan")
pp, pd = ping("podnet"); vp, vd = ping("vxlan")
print(f"real pods on two podnet nodes vs two namespaces over a kernel VXLAN, same run ({seconds} s per iperf3 test, idle mode {idle}):")
print()
print("| | podnet (TAP, bridge, router, Aeron tunnel, 2 JVMs) | kernel VXLAN (veth underlay) | podnet / VXLAN |")
print("|---|---|---|---|")
print(f"| iperf3 TCP | {pt:.2f} Gbit/s ({pr} retransmits) | {vt:.2f} Gbit/s ({vr} retransmits) | {pt / vt:.3f} |")
print(f"| iperf3 UDP, 1300 B, received | {pu:.3f} Gbit/s ({pl:.1f}% lost) | {vu:.3f} Gbit/s ({vl:.1f}% lost) | {pu / vu:.3f} |")
print(f"| ping RTT p50 (p99), 1000 x 10 ms | {pp:.0f} µs ({pd:.0f}) | {vp:.0f} µs ({vd:.0f}) | {pp / vp:.1f} |")
emu = sorted(r["rttUs"] for r in json.load(open(f"{work}/emulated-ping.json"))["replies"])
print(f"| same path, emulated pods (podnet's own ping, no TAP), p50 (p99) | {emu[len(emu) // 2]} µs ({emu[len(emu) * 99 // 100]}) | | |")
load = open("/proc/loadavg").read().split()[:3]
print()
print(f"load average at the end (1, 5, 15 min): {' '.join(load)} on {__import__('os').cpu_count()} cores")
PY
