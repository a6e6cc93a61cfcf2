package mockhost

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/lxc/incus/v6/shared/api"
)

// Network forwards (bridge and OVN networks) and load balancers (OVN
// only) as incusd 6.0.4 has them (docs-internal/incus-error-texts.md):
// statuses and texts as the real daemon
// answers, checked against it for forwards on a bridge. incusd does not
// check If-Match on these PUTs, and neither does the fake. The fake's OVN
// networks need no OVN: they exist for the API alone.

func (m *Incus) networkForwardRoutes(mux *http.ServeMux) {
	for _, kind := range []*addrObjectKind{forwardKind, loadBalancerKind} {
		base := "/1.0/networks/{name}/" + kind.path
		mux.HandleFunc("GET "+base, m.withAddrNetwork(kind, m.listAddrObjects))
		mux.HandleFunc("POST "+base, m.withAddrNetwork(kind, m.createAddrObject))
		mux.HandleFunc("GET "+base+"/{addr}", m.withAddrNetwork(kind, m.getAddrObject))
		mux.HandleFunc("PUT "+base+"/{addr}", m.withAddrNetwork(kind, m.updateAddrObject))
		mux.HandleFunc("PATCH "+base+"/{addr}", m.withAddrNetwork(kind, m.updateAddrObject))
		mux.HandleFunc("POST "+base+"/{addr}", notImplemented)
		mux.HandleFunc("DELETE "+base+"/{addr}", m.withAddrNetwork(kind, m.deleteAddrObject))
	}
}

// addrObjectKind is what differs between forwards and load balancers.
type addrObjectKind struct {
	path     string // "forwards"
	noun     string // "forward", in incusd's "Failed creating forward: ..."
	feature  string // "forwards", in `Network driver "x" does not support forwards`
	notFound string
	types    []string // network types that have them
	// overlap is incusd's text for a listen address another network or
	// object uses.
	overlap string
}

var (
	forwardKind = &addrObjectKind{path: "forwards", noun: "forward", feature: "forwards",
		notFound: "Network forward not found", types: []string{"bridge", "ovn"},
		overlap: "Forward listen address %q overlaps with another network or NIC"}
	loadBalancerKind = &addrObjectKind{path: "load-balancers", noun: "load balancer", feature: "load balancers",
		notFound: "Network load balancer not found", types: []string{"ovn"},
		overlap: "Load balancer listen address %q overlaps with another network or NIC"}
)

// withAddrNetwork runs h with m.mu held on the network of the path, or
// writes incusd's answer for a missing project or network, or a network
// type without this kind of object.
func (m *Incus) withAddrNetwork(kind *addrObjectKind, h func(http.ResponseWriter, *http.Request, *addrObjectKind, *mockNetwork)) http.HandlerFunc {
	return m.withNetworkProject(func(w http.ResponseWriter, r *http.Request) {
		n := m.pathNetwork(r)
		if n == nil {
			writeError(w, http.StatusNotFound, "Failed loading network: Network not found")
			return
		}
		if !slices.Contains(kind.types, n.typ) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Network driver %q does not support %s", n.typ, kind.feature))
			return
		}
		h(w, r, kind, n)
	})
}

func (n *mockNetwork) addrKeys(kind *addrObjectKind) []string {
	var out []string
	if kind == forwardKind {
		for k := range n.forwards {
			out = append(out, k)
		}
	} else {
		for k := range n.loadBalancers {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (n *mockNetwork) addrView(kind *addrObjectKind, addr string) (any, string) {
	if kind == forwardKind {
		f := n.forwards[addr]
		if f == nil {
			return nil, ""
		}
		return *f, etagOf(f.NetworkForwardPut)
	}
	lb := n.loadBalancers[addr]
	if lb == nil {
		return nil, ""
	}
	return *lb, etagOf(lb.NetworkLoadBalancerPut)
}

func (m *Incus) listAddrObjects(w http.ResponseWriter, r *http.Request, kind *addrObjectKind, n *mockNetwork) {
	keys := n.addrKeys(kind)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]any, 0, len(keys))
		for _, k := range keys {
			v, _ := n.addrView(kind, k)
			list = append(list, v)
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(keys))
	for _, k := range keys {
		urls = append(urls, "/1.0/networks/"+n.name+"/"+kind.path+"/"+k)
	}
	writeSync(w, urls, "")
}

func (m *Incus) getAddrObject(w http.ResponseWriter, r *http.Request, kind *addrObjectKind, n *mockNetwork) {
	v, etag := n.addrView(kind, r.PathValue("addr"))
	if v == nil {
		writeError(w, http.StatusNotFound, kind.notFound)
		return
	}
	writeSync(w, v, etag)
}

func (m *Incus) deleteAddrObject(w http.ResponseWriter, r *http.Request, kind *addrObjectKind, n *mockNetwork) {
	addr := r.PathValue("addr")
	if v, _ := n.addrView(kind, addr); v == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Failed deleting %s: %s", kind.noun, kind.notFound))
		return
	}
	if kind == forwardKind {
		delete(n.forwards, addr)
	} else {
		delete(n.loadBalancers, addr)
	}
	writeEmpty(w)
}

func (m *Incus) createAddrObject(w http.ResponseWriter, r *http.Request, kind *addrObjectKind, n *mockNetwork) {
	var listen string
	var fwd api.NetworkForwardsPost
	var lb api.NetworkLoadBalancersPost
	if kind == forwardKind {
		if !decode(w, r, &fwd) {
			return
		}
		fwd.Normalise()
		listen = fwd.ListenAddress
	} else {
		if !decode(w, r, &lb) {
			return
		}
		lb.Normalise()
		if ip := net.ParseIP(lb.ListenAddress); ip != nil {
			lb.ListenAddress = ip.String()
		}
		listen = lb.ListenAddress
		if n.typ == "ovn" && n.config["network"] == "none" {
			writeError(w, http.StatusInternalServerError, "Failed creating load balancer: Isolated OVN network cannot use network load balancers")
			return
		}
	}
	fail := func(status int, msg string) {
		writeError(w, status, fmt.Sprintf("Failed creating %s: %s", kind.noun, msg))
	}
	if v, _ := n.addrView(kind, listen); v != nil {
		fail(http.StatusConflict, fmt.Sprintf("A %s for that listen address already exists", kind.noun))
		return
	}
	addr, err := netip.ParseAddr(listen)
	if err != nil || addr.Zone() != "" {
		if kind == forwardKind {
			fail(http.StatusInternalServerError, fmt.Sprintf("Failed parsing address forward listen address %q: invalid CIDR address: %s/%d", listen, listen, hostBits(listen)))
		} else {
			fail(http.StatusInternalServerError, fmt.Sprintf("Failed parsing %q: invalid CIDR address: %s/%d", listen, listen, hostBits(listen)))
		}
		return
	}
	addr = addr.Unmap()
	var msg string
	if kind == forwardKind {
		msg = n.forwardProblem(addr, &fwd.NetworkForwardPut)
	} else {
		msg = n.loadBalancerProblem(addr, &lb.NetworkLoadBalancerPut)
	}
	if msg != "" {
		fail(http.StatusInternalServerError, msg)
		return
	}
	if n.typ == "ovn" {
		if status, msg := m.uplinkProblem(n, addr); msg != "" {
			fail(status, msg)
			return
		}
	}
	if m.listenAddressUsed(n, kind, addr) {
		fail(http.StatusInternalServerError, fmt.Sprintf(kind.overlap, netip.PrefixFrom(addr, addr.BitLen()).String()))
		return
	}
	if kind == forwardKind {
		if n.forwards == nil {
			n.forwards = map[string]*api.NetworkForward{}
		}
		n.forwards[listen] = &api.NetworkForward{ListenAddress: listen, Location: "none", NetworkForwardPut: stored(fwd.NetworkForwardPut)}
	} else {
		if n.loadBalancers == nil {
			n.loadBalancers = map[string]*api.NetworkLoadBalancer{}
		}
		n.loadBalancers[listen] = &api.NetworkLoadBalancer{ListenAddress: listen, Location: "none", NetworkLoadBalancerPut: storedLB(lb.NetworkLoadBalancerPut)}
	}
	writeCreated(w, "/1.0/networks/"+n.name+"/"+kind.path+"/"+listen, nil)
}

// updateAddrObject is PUT and PATCH (which keeps config keys and, when
// left out, the ports). If-Match is not checked: incusd does not.
func (m *Incus) updateAddrObject(w http.ResponseWriter, r *http.Request, kind *addrObjectKind, n *mockNetwork) {
	listen := r.PathValue("addr")
	fail := func(status int, msg string) {
		writeError(w, status, fmt.Sprintf("Failed updating %s: %s", kind.noun, msg))
	}
	if v, _ := n.addrView(kind, listen); v == nil {
		fail(http.StatusNotFound, kind.notFound)
		return
	}
	addr, _ := netip.ParseAddr(listen)
	if kind == forwardKind {
		var req api.NetworkForwardPut
		if !decode(w, r, &req) {
			return
		}
		cur := n.forwards[listen]
		if r.Method == http.MethodPatch {
			req.Config = mergedConfig(req.Config, cur.Config)
			if req.Ports == nil {
				req.Ports = cur.Ports
			}
		}
		req.Normalise()
		if msg := n.forwardProblem(addr, &req); msg != "" {
			fail(http.StatusInternalServerError, msg)
			return
		}
		cur.NetworkForwardPut = stored(req)
	} else {
		var req api.NetworkLoadBalancerPut
		if !decode(w, r, &req) {
			return
		}
		cur := n.loadBalancers[listen]
		if r.Method == http.MethodPatch {
			req.Config = mergedConfig(req.Config, cur.Config)
			if req.Backends == nil {
				req.Backends = cur.Backends
			}
			if req.Ports == nil {
				req.Ports = cur.Ports
			}
		}
		req.Normalise()
		if msg := n.loadBalancerProblem(addr, &req); msg != "" {
			fail(http.StatusInternalServerError, msg)
			return
		}
		cur.NetworkLoadBalancerPut = storedLB(req)
	}
	writeEmpty(w)
}

func mergedConfig(req, cur map[string]string) map[string]string {
	out := copyMap(req)
	for k, v := range cur {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// stored is a forward as incusd keeps it: lists and maps never null.
func stored(p api.NetworkForwardPut) api.NetworkForwardPut {
	p.Config = copyMap(p.Config)
	p.Ports = append([]api.NetworkForwardPort{}, p.Ports...)
	return p
}

func storedLB(p api.NetworkLoadBalancerPut) api.NetworkLoadBalancerPut {
	p.Config = copyMap(p.Config)
	p.Backends = append([]api.NetworkLoadBalancerBackend{}, p.Backends...)
	ports := make([]api.NetworkLoadBalancerPort, len(p.Ports))
	for i, lp := range p.Ports {
		lp.TargetBackend = append([]string{}, lp.TargetBackend...)
		ports[i] = lp
	}
	p.Ports = ports
	return p
}

// hostBits is the prefix length incusd puts after a listen address it
// cannot parse (it guesses the family from a colon).
func hostBits(s string) int {
	if strings.Contains(s, ":") {
		return 128
	}
	return 32
}

// subnetFor is the network's subnet of addr's family, as incusd reads it:
// nil when the key is unset; an error text when it does not parse (a
// bridge's "none" gives incusd's "invalid CIDR address: none").
func (n *mockNetwork) subnetFor(addr netip.Addr) (*netip.Prefix, string) {
	key := "ipv4.address"
	if !addr.Is4() {
		key = "ipv6.address"
	}
	v := n.config[key]
	if v == "" {
		return nil, ""
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return nil, "invalid CIDR address: " + v
	}
	p = p.Masked()
	return &p, ""
}

// portRange is incusd's port range parse: first port and count, or the
// error text.
func portRange(r string) (int64, int64, string) {
	entries := strings.Split(r, "-")
	if len(entries) > 2 {
		return -1, -1, fmt.Sprintf("Invalid port range %q", r)
	}
	base, err := strconv.ParseInt(entries[0], 10, 64)
	if err != nil {
		return -1, -1, err.Error()
	}
	size := int64(1)
	if len(entries) > 1 {
		end, err := strconv.ParseInt(entries[1], 10, 64)
		if err != nil {
			return -1, -1, err.Error()
		}
		if end <= base {
			return -1, -1, "End port should be higher than start port"
		}
		size = end - base + 1
	}
	return base, size, ""
}

// splitPorts is incusd's split of a port list: trimmed, empty ones dropped.
func splitPorts(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// listenPorts checks a port entry's listen ports against those already
// used by its protocol; "" when fine, else incusd's text.
func listenPorts(spec string, i int, protocol string, used map[string]map[int64]bool) (int, string) {
	ranges := splitPorts(spec)
	if len(ranges) == 0 {
		return 0, fmt.Sprintf("Missing listen port in port specification %d", i)
	}
	count := 0
	for _, pr := range ranges {
		first, size, msg := portRange(pr)
		if msg != "" {
			return 0, fmt.Sprintf("Invalid listen port in port specification %d: %s", i, msg)
		}
		for p := first; p < first+size; p++ {
			if used[protocol][p] {
				return 0, fmt.Sprintf("Duplicate listen port %d for protocol %q in port specification %d", p, protocol, i)
			}
			used[protocol][p] = true
			count++
		}
	}
	return count, ""
}

func parseTarget(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// forwardProblem is incusd's validation of a forward, "" when it passes.
func (n *mockNetwork) forwardProblem(listen netip.Addr, f *api.NetworkForwardPut) string {
	if listen.IsUnspecified() {
		return fmt.Sprintf("Cannot use unspecified address: %q", listen.String())
	}
	subnet, msg := n.subnetFor(listen)
	if msg != "" {
		return msg
	}
	for _, k := range sortedKeys(f.Config) {
		if k != "target_address" && !strings.HasPrefix(k, "user.") {
			return fmt.Sprintf("Invalid option %q", k)
		}
	}
	var deflt netip.Addr
	if v := f.Config["target_address"]; v != "" {
		a, ok := parseTarget(v)
		switch {
		case !ok:
			return "Invalid default target address"
		case a.Is4() != listen.Is4():
			return "Cannot mix IP versions in listen address and default target address"
		case subnet != nil && !subnet.Contains(a):
			return "Default target address is not within the network subnet"
		}
		deflt = a
	}
	used := map[string]map[int64]bool{"tcp": {}, "udp": {}}
	for i, p := range f.Ports {
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			return fmt.Sprintf("Invalid port protocol in port specification %d, protocol must be one of: tcp, udp", i)
		}
		a, ok := parseTarget(p.TargetAddress)
		switch {
		case !ok:
			return fmt.Sprintf("Invalid target address in port specification %d", i)
		case a == deflt:
			return fmt.Sprintf("Target address is same as default target address in port specification %d", i)
		case a.Is4() != listen.Is4():
			return fmt.Sprintf("Cannot mix IP versions in listen address and port specification %d target address", i)
		case subnet != nil && !subnet.Contains(a):
			return fmt.Sprintf("Target address is not within the network subnet in port specification %d", i)
		}
		count, msg := listenPorts(p.ListenPort, i, p.Protocol, used)
		if msg != "" {
			return msg
		}
		targets := 0
		for _, pr := range splitPorts(p.TargetPort) {
			_, size, msg := portRange(pr)
			if msg != "" {
				return fmt.Sprintf("Invalid target port in port specification %d", i)
			}
			targets += int(size)
		}
		if targets > 0 && targets != 1 && targets != count {
			return fmt.Sprintf("Mismatch of listen port(s) and target port(s) count in port specification %d", i)
		}
	}
	return ""
}

// loadBalancerProblem is incusd's validation of a load balancer.
func (n *mockNetwork) loadBalancerProblem(listen netip.Addr, lb *api.NetworkLoadBalancerPut) string {
	subnet, msg := n.subnetFor(listen)
	if msg != "" {
		return msg
	}
	for _, k := range sortedKeys(lb.Config) {
		v := lb.Config[k]
		switch {
		case strings.HasPrefix(k, "user."):
		case k == "healthcheck":
			if !isBool(v) {
				return fmt.Sprintf("Invalid value for a boolean %q", v)
			}
		case k == "healthcheck.interval" || k == "healthcheck.success_count" || k == "healthcheck.failure_count" || k == "healthcheck.timeout":
			if _, err := strconv.ParseUint(v, 10, 32); err != nil {
				return fmt.Sprintf("Invalid value for uint32 %q: %v", v, err)
			}
		default:
			return fmt.Sprintf("Invalid option %q", k)
		}
	}
	backends := map[string]int{} // backend name: its target port count
	for i, b := range lb.Backends {
		if strings.IndexFunc(b.Name, unicode.IsSpace) >= 0 {
			return fmt.Sprintf("Name cannot contain white space in backend specification %d", i)
		}
		if _, ok := backends[b.Name]; ok {
			return fmt.Sprintf("Duplicate name %q in backend specification %d", b.Name, i)
		}
		a, ok := parseTarget(b.TargetAddress)
		switch {
		case !ok:
			return fmt.Sprintf("Invalid target address for backend %q", b.Name)
		case a.Is4() != listen.Is4():
			return fmt.Sprintf("Cannot mix IP versions in listen address and backend %q target address", b.Name)
		case subnet != nil && !subnet.Contains(a):
			return fmt.Sprintf("Target address is not within the network subnet for backend %q", b.Name)
		}
		ports := 0
		for j, pr := range splitPorts(b.TargetPort) {
			_, size, msg := portRange(pr)
			if msg != "" {
				return fmt.Sprintf("Invalid backend port specification %d in backend specification %d: %s", j, i, msg)
			}
			ports += int(size)
		}
		backends[b.Name] = ports
	}
	used := map[string]map[int64]bool{"tcp": {}, "udp": {}}
	for i, p := range lb.Ports {
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			return fmt.Sprintf("Invalid port protocol in port specification %d, protocol must be one of: tcp, udp", i)
		}
		count, msg := listenPorts(p.ListenPort, i, p.Protocol, used)
		if msg != "" {
			return msg
		}
		for _, name := range p.TargetBackend {
			ports, ok := backends[name]
			if !ok {
				return fmt.Sprintf("Invalid target backend name %q in port specification %d", name, i)
			}
			if ports > 1 && ports != count {
				return fmt.Sprintf("Mismatch of listen port(s) and target port(s) count for backend %q in port specification %d", name, i)
			}
		}
	}
	return ""
}

// checkUplink is incusd's choice of an OVN network's uplink: a bridge or
// physical network of the server ("none": isolated), "" when fine.
func (m *Incus) checkUplink(name string) string {
	if name == "none" {
		return ""
	}
	var uplinks []string
	for _, u := range m.networkNames() {
		if t := m.networks[u].typ; t == "bridge" || t == "physical" {
			uplinks = append(uplinks, u)
		}
	}
	switch {
	case name != "" && !slices.Contains(uplinks, name):
		return fmt.Sprintf(`Option "network" value %q is not one of the allowed uplink networks in project`, name)
	case name != "":
		return ""
	case len(uplinks) == 0:
		return "No allowed uplink networks in project"
	case len(uplinks) > 1:
		return `Option "network" is required`
	}
	return ""
}

// uplink is the uplink network of an OVN network (nil for none).
func (m *Incus) uplink(n *mockNetwork) *mockNetwork {
	name := n.config["network"]
	if name == "" {
		for _, u := range m.networkNames() {
			if t := m.networks[u].typ; t == "bridge" || t == "physical" {
				return m.networks[u]
			}
		}
	}
	return m.networks[name]
}

// uplinkProblem is incusd's check that an OVN listen address is one the
// uplink routes to it: in its ipv4/ipv6.routes, or in its own subnet but
// not its gateway.
func (m *Incus) uplinkProblem(n *mockNetwork, addr netip.Addr) (int, string) {
	u := m.uplink(n)
	host := netip.PrefixFrom(addr, addr.BitLen())
	if u == nil {
		return http.StatusInternalServerError, fmt.Sprintf("Failed to load uplink network %q: Network not found", n.config["network"])
	}
	for _, k := range []string{"ipv4.routes", "ipv6.routes"} {
		for _, r := range splitPorts(u.config[k]) {
			if p, err := netip.ParsePrefix(r); err == nil && p.Masked().Contains(addr) {
				return 0, ""
			}
		}
	}
	for _, k := range []string{"ipv4.address", "ipv6.address", "ipv4.gateway", "ipv6.gateway"} {
		p, err := netip.ParsePrefix(u.config[k])
		if err != nil || !p.Masked().Contains(addr) {
			continue
		}
		if p.Addr() == addr {
			return http.StatusBadRequest, fmt.Sprintf("Requested subnet %q would mask the uplink gateway", host.String())
		}
		return 0, ""
	}
	return http.StatusBadRequest, fmt.Sprintf("Uplink network doesn't contain %q in its routes", host.String())
}

// listenAddressUsed: incusd refuses a listen address inside another
// network's subnet, or another network's forward or load balancer address.
func (m *Incus) listenAddressUsed(self *mockNetwork, kind *addrObjectKind, addr netip.Addr) bool {
	for _, name := range m.networkNames() {
		o := m.networks[name]
		if o != self {
			for _, p := range []netip.Prefix{o.ipv4, o.ipv6} {
				if p.IsValid() && p.Masked().Contains(addr) {
					return true
				}
			}
		}
		for _, objs := range []map[string]bool{keySet(o.forwards), keySet(o.loadBalancers)} {
			if objs[addr.String()] && (o != self || kind == forwardKind && o.loadBalancers[addr.String()] != nil || kind == loadBalancerKind && o.forwards[addr.String()] != nil) {
				return true
			}
		}
	}
	return false
}

func keySet[V any](in map[string]V) map[string]bool {
	out := make(map[string]bool, len(in))
	for k := range in {
		out[k] = true
	}
	return out
}
