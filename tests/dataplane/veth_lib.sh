# Sourced by the live tests: a network namespace holding one end of a veth pair, the
# other end on the host, each with an address of a /29. Only the test's own pair and
# namespace carry traffic. Sets $ns, $host, $peer; veth_cleanup removes them.
#   veth_setup TAG SUBNET     e.g. veth_setup live 10.213.0   (host .1, namespace .2)
veth_setup() {
  ns=txs-$1-$$ host=tx$1$$a peer=tx$1$$b
  host=${host:0:15} peer=${peer:0:15}
  ip netns add "$ns"
  ip link add "$host" type veth peer name "$peer"
  ip link set "$peer" netns "$ns"
  ip addr add "$2.1/29" dev "$host"
  ip link set "$host" up
  ip netns exec "$ns" ip addr add "$2.2/29" dev "$peer"
  ip netns exec "$ns" ip link set "$peer" up
  ip netns exec "$ns" ip link set lo up
}

veth_cleanup() {
  [[ -n ${host:-} ]] && ip link del "$host" 2>/dev/null || true
  [[ -n ${ns:-} ]] && ip netns del "$ns" 2>/dev/null || true
}
