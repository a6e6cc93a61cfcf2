package mockhost

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/lxc/incus/v6/shared/api"
)

// mockNetwork is a bridge of the fake: both a managed network (nic
// network=) and a host bridge (nic parent=). It hands each NIC on it one
// IPv4 and one IPv6 address, as incusd's dnsmasq does, leased to the
// instance until the instance is deleted or loses the NIC; nothing is ever
// sent to them.
type mockNetwork struct {
	name        string
	description string
	// typ is the network type (bridge, macvlan, ...); config its config
	// as incusd stores it (an `auto` address made concrete).
	typ    string
	config map[string]string
	// members are a cluster network's member keys, by member (incus_cluster.go).
	members map[string]map[string]string
	// project is the project the network is in ("" for default): one with
	// features.networks has networks of its own.
	project string
	// ipv4 and ipv6 are the bridge's own address and subnet (incus's
	// ipv4.address and ipv6.address); an invalid prefix means none.
	ipv4, ipv6 netip.Prefix
	// leases maps a host number of the subnets to the instance holding it.
	leases map[uint32]*mockInstance
	// forwards and loadBalancers are its address forwards and (OVN only)
	// load balancers, by listen address (incus_network_forwards.go).
	forwards      map[string]*api.NetworkForward
	loadBalancers map[string]*api.NetworkLoadBalancer
}

// lease is one NIC's address: host number on a network.
type lease struct {
	network string
	host    uint32
}

func newNetwork(name, ipv4, ipv6, description string) (*mockNetwork, error) {
	n := &mockNetwork{name: name, description: description, typ: "bridge", config: map[string]string{}, leases: map[uint32]*mockInstance{}}
	for k, v := range map[string]string{"ipv4.address": ipv4, "ipv6.address": ipv6} {
		if v != "" {
			n.config[k] = v
		}
	}
	for _, a := range []struct {
		text string
		v4   bool
		dst  *netip.Prefix
	}{{ipv4, true, &n.ipv4}, {ipv6, false, &n.ipv6}} {
		if a.text == "" || a.text == "none" {
			continue
		}
		p, err := netip.ParsePrefix(a.text)
		if err != nil || p.Addr().Is4() != a.v4 || p.Bits() > p.Addr().BitLen()-2 {
			return nil, fmt.Errorf("network %q: %q is not an IPv%s address with a subnet (like %s)", name, a.text, map[bool]string{true: "4", false: "6"}[a.v4], map[bool]string{true: "192.0.2.1/24", false: "2001:db8::1/64"}[a.v4])
		}
		*a.dst = p
	}
	return n, nil
}

// hosts is how many host numbers the network hands out: 2 up to the last
// before the IPv4 broadcast address (the bridge holds 1), at most 65533.
func (n *mockNetwork) hosts() uint32 {
	bits := 16
	if n.ipv4.IsValid() {
		bits = min(bits, 32-n.ipv4.Bits())
	}
	if n.ipv6.IsValid() {
		bits = min(bits, 128-n.ipv6.Bits())
	}
	return uint32(1)<<bits - 2
}

// staticHost is the host number of a NIC's static `ipv4.address` on n (0
// for none, or one outside the subnet: checkDevices refuses those).
func (n *mockNetwork) staticHost(d map[string]string) uint32 {
	a, err := netip.ParseAddr(d["ipv4.address"])
	if err != nil || !n.ipv4.IsValid() || !n.ipv4.Masked().Contains(a) || !a.Is4() {
		return 0
	}
	base, b := n.ipv4.Masked().Addr().As4(), a.As4()
	var h uint32
	for i := range b {
		h = h<<8 | uint32(b[i]^base[i])
	}
	if h < 2 || h > n.hosts() {
		return 0
	}
	return h
}

// staticAddressProblem is incusd's refusal of a NIC's static
// `ipv4.address` on n, "" when it takes it (or the NIC has none).
func (n *mockNetwork) staticAddressProblem(d map[string]string) string {
	v4 := d["ipv4.address"]
	if v4 == "" || n.staticHost(d) != 0 {
		return ""
	}
	if a, err := netip.ParseAddr(v4); err == nil && n.ipv4.IsValid() && a == n.ipv4.Addr() {
		return fmt.Sprintf(`IP address %q is assigned to parent managed network device ""`, v4)
	}
	return fmt.Sprintf("Device IP address %q not within network %q subnet", v4, n.name)
}

// allocate returns a free host number, 0 when the subnet is full.
func (n *mockNetwork) allocate(inst *mockInstance) uint32 {
	for h := uint32(2); h <= n.hosts(); h++ {
		if n.leases[h] == nil {
			n.leases[h] = inst
			return h
		}
	}
	return 0
}

// addresses is host number h of the subnets, as global state addresses.
func (n *mockNetwork) addresses(h uint32) []stateAddress {
	var out []stateAddress
	if n.ipv4.IsValid() {
		out = append(out, stateAddress{"inet", withHost(n.ipv4, h), n.ipv4.Bits()})
	}
	if n.ipv6.IsValid() {
		out = append(out, stateAddress{"inet6", withHost(n.ipv6, h), n.ipv6.Bits()})
	}
	return out
}

type stateAddress struct {
	family string
	addr   netip.Addr
	bits   int
}

// withHost puts h in the low bits of the prefix's subnet.
func withHost(p netip.Prefix, h uint32) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := len(b) - 1; h > 0 && i >= 0; i-- {
		b[i] |= byte(h)
		h >>= 8
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// nicNetwork is the network a NIC device is on ("" for none the fake knows).
func (m *Incus) nicNetwork(d map[string]string) string {
	name := d["network"]
	if name == "" {
		name = d["parent"]
	}
	if _, ok := m.networks[name]; !ok {
		return ""
	}
	return name
}

// syncLeases gives each NIC of a running instance its address, keeping the
// ones it has, and frees the leases of NICs it no longer has (or that moved
// to another network or static address). A NIC with a static
// `ipv4.address` gets that address, as dnsmasq's static lease gives it.
// m.mu is held.
func (m *Incus) syncLeases(inst *mockInstance, devices map[string]map[string]string) {
	if inst.leases == nil {
		inst.leases = map[string]lease{}
	}
	for dev, l := range inst.leases {
		d, ok := devices[dev]
		if ok && d["type"] == "nic" && m.nicNetwork(d) == l.network {
			if h := m.networks[l.network].staticHost(d); h == 0 || h == l.host {
				continue
			}
		}
		m.freeLease(inst, dev)
	}
	for _, dev := range sortedNames(devices) {
		d := devices[dev]
		if d["type"] != "nic" {
			continue
		}
		if _, ok := inst.leases[dev]; ok {
			continue
		}
		name := m.nicNetwork(d)
		if name == "" {
			continue
		}
		n := m.networks[name]
		h := n.staticHost(d)
		if h != 0 {
			n.leases[h] = inst
		} else {
			h = n.allocate(inst)
		}
		if h != 0 {
			inst.leases[dev] = lease{network: name, host: h}
		}
	}
}

func (m *Incus) freeLease(inst *mockInstance, dev string) {
	l := inst.leases[dev]
	if n, ok := m.networks[l.network]; ok && n.leases[l.host] == inst {
		delete(n.leases, l.host)
	}
	delete(inst.leases, dev)
}

// freeLeases releases every address of an instance being deleted.
func (m *Incus) freeLeases(inst *mockInstance) {
	for dev := range inst.leases {
		m.freeLease(inst, dev)
	}
}

// networkNames lists the networks, sorted.
func (m *Incus) networkNames() []string {
	names := make([]string, 0, len(m.networks))
	for n := range m.networks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func prefixOrNone(p netip.Prefix) string {
	if !p.IsValid() {
		return "none"
	}
	return p.String()
}
