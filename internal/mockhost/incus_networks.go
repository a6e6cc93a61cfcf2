package mockhost

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// The network API (/1.0/networks) of the fake, with incusd 6.0.4's texts
// and statuses: a create's validation errors are 500, an update's 400.
// Networks are the server's (the fake has no project with its own
// networks); the project of a request must exist.

func (m *Incus) networkRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/networks", m.withNetworkProject(m.listNetworks))
	mux.HandleFunc("POST /1.0/networks", m.createNetwork)
	mux.HandleFunc("GET /1.0/networks/{name}", m.withNetwork(m.getNetwork))
	mux.HandleFunc("PUT /1.0/networks/{name}", m.withNetwork(m.updateNetwork))
	mux.HandleFunc("PATCH /1.0/networks/{name}", m.withNetwork(m.updateNetwork))
	mux.HandleFunc("POST /1.0/networks/{name}", m.withNetwork(m.renameNetwork))
	mux.HandleFunc("DELETE /1.0/networks/{name}", m.withNetwork(m.deleteNetwork))
}

// withNetworkProject runs h with m.mu held once the request's project and
// target are known to the fake.
func (m *Incus) withNetworkProject(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if p := projectParam(r); m.projects[p] == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load project %q: Project not found", p))
			return
		}
		if !m.targetOK(w, r) {
			return
		}
		h(w, r)
	}
}

// withNetwork runs h on the network of the path, or writes incusd's 404
// (a GET says "Network not found", the others "Failed loading network: ...").
func (m *Incus) withNetwork(h func(http.ResponseWriter, *http.Request, *mockNetwork)) http.HandlerFunc {
	return m.withNetworkProject(func(w http.ResponseWriter, r *http.Request) {
		n := m.pathNetwork(r)
		if n == nil {
			msg := "Network not found"
			if r.Method != http.MethodGet {
				msg = "Failed loading network: " + msg
			}
			writeError(w, http.StatusNotFound, msg)
			return
		}
		h(w, r, n)
	})
}

// networkUsedBy lists the instances and profiles with a NIC on the network
// (network=), sorted as incusd lists them.
func (m *Incus) networkUsedBy(n *mockNetwork) []string {
	out := []string{}
	for _, p := range m.projects {
		for _, inst := range p.instances {
			for _, d := range m.expandDevices(p, inst.Profiles, inst.Devices) {
				if d["type"] == "nic" && d["network"] == n.name {
					out = append(out, withProject("/1.0/instances/"+inst.Name, p.name))
					break
				}
			}
		}
		if p.name == "default" || p.feature("features.profiles") {
			for _, prof := range p.profiles {
				for _, d := range prof.Devices {
					if d["type"] == "nic" && d["network"] == n.name {
						out = append(out, withProject("/1.0/profiles/"+prof.Name, p.name))
						break
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func (n *mockNetwork) writable() api.NetworkPut {
	return api.NetworkPut{Description: n.description, Config: copyMap(n.config)}
}

func (m *Incus) networkView(n *mockNetwork, project string) api.Network {
	return api.Network{Name: n.name, Type: n.typ, NetworkPut: n.writable(), Managed: true,
		Status: "Created", Locations: []string{"none"}, Project: project, UsedBy: m.networkUsedBy(n)}
}

func (m *Incus) listNetworks(w http.ResponseWriter, r *http.Request) {
	var names []string
	for _, name := range m.networkNames() {
		if m.networks[name].projectName() == m.networkProjectOf(r) {
			names = append(names, name)
		}
	}
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.Network, 0, len(names))
		for _, name := range names {
			list = append(list, m.networkView(m.networks[name], projectParam(r)))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, name := range names {
		urls = append(urls, "/1.0/networks/"+name)
	}
	writeSync(w, urls, "")
}

// bridgeKeys are the bridge keys the fake takes (user.* too).
var bridgeKeys = map[string]bool{
	"bridge.driver": true, "bridge.external_interfaces": true, "bridge.hwaddr": true, "bridge.mtu": true, "bridge.mode": true,
	"dns.domain": true, "dns.mode": true, "dns.search": true, "ipv4.address": true, "ipv4.dhcp": true,
	"ipv4.dhcp.expiry": true, "ipv4.dhcp.gateway": true, "ipv4.dhcp.ranges": true, "ipv4.firewall": true,
	"ipv4.nat": true, "ipv4.nat.address": true, "ipv4.nat.order": true, "ipv4.routing": true,
	"ipv6.address": true, "ipv6.dhcp": true, "ipv6.dhcp.expiry": true, "ipv6.dhcp.ranges": true,
	"ipv6.dhcp.stateful": true, "ipv6.firewall": true, "ipv6.nat": true, "ipv6.nat.address": true,
	"ipv6.nat.order": true, "ipv6.routing": true, "raw.dnsmasq": true, "security.acls": true,
	"dns.zone.forward": true, "dns.zone.reverse.ipv4": true, "dns.zone.reverse.ipv6": true,
	// what an OVN network on the bridge as uplink uses
	"ipv4.routes": true, "ipv6.routes": true, "ipv4.ovn.ranges": true, "ipv6.ovn.ranges": true,
}

// ovnKeys are the OVN network keys the fake takes: incusd 6.0.4's, those
// that need no OVN chassis settings of their own.
var ovnKeys = map[string]bool{
	"network": true, "bridge.hwaddr": true, "bridge.mtu": true, "ipv4.address": true, "ipv4.dhcp": true,
	"ipv6.address": true, "ipv6.dhcp": true, "ipv6.dhcp.stateful": true, "ipv4.nat": true, "ipv6.nat": true,
	"ipv4.nat.address": true, "ipv6.nat.address": true, "dns.domain": true, "dns.search": true,
	"security.acls": true, "dns.zone.forward": true, "dns.zone.reverse.ipv4": true, "dns.zone.reverse.ipv6": true,
}

// zoneKeys are the network keys that name network zones (a list, comma
// separated), in the order incusd checks them.
var zoneKeys = []string{"dns.zone.forward", "dns.zone.reverse.ipv4", "dns.zone.reverse.ipv6"}

// listValue splits a comma-separated config value ("" is none).
func listValue(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// networkConfigNames reports whether a network's config names name under one
// of keys.
func networkConfigNames(n *mockNetwork, name string, keys ...string) bool {
	for _, k := range keys {
		if slices.Contains(listValue(n.config[k]), name) {
			return true
		}
	}
	return false
}

// checkNetworkLinks is incusd's check that the zones and ACLs a bridge's
// config names exist (zones first, as incusd 6.0.4 answers), "" when
// they do, in the network's project (a project without features.networks
// has the default project's ACLs and zones too).
func (m *Incus) checkNetworkLinks(project string, cfg map[string]string) string {
	for _, k := range zoneKeys {
		for _, z := range listValue(cfg[k]) {
			if zone := m.zones[z]; zone == nil || zone.project != project {
				return fmt.Sprintf("Invalid %q, network zone %q not found", k, z)
			}
		}
	}
	acls := m.aclsOf(m.projects[project]).acls
	for _, a := range listValue(cfg["security.acls"]) {
		if acls[a] == nil {
			return fmt.Sprintf("Network ACL %q does not exist", a)
		}
	}
	return ""
}

var interfaceName = regexp.MustCompile(`^[-_a-zA-Z0-9.]+$`)

// networkNameProblem is incusd's refusal (400) of a network name, "" for a
// valid one: a network is a host interface.
func networkNameProblem(name string) string {
	switch {
	case name == "none":
		return "Network name 'none' is not valid"
	case len(name) < 2:
		return "Network interface is too short (minimum 2 characters)"
	case len(name) > 15:
		return "Network interface is too long (maximum 15 characters)"
	case !interfaceName.MatchString(name):
		return "Network interface contains invalid characters"
	}
	return ""
}

// parentTypes are the types that sit on a host interface (`parent`).
var parentTypes = map[string]bool{"macvlan": true, "sriov": true, "physical": true}

// checkNetworkConfig is incusd's validation of a network's config, "" when
// it passes. cfg's `auto` addresses are made concrete (and NAT turned on
// for them when not set), as incusd's FillConfig does.
func (m *Incus) checkNetworkConfig(project, name, typ string, cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		ok := strings.HasPrefix(k, "user.") || strings.HasPrefix(k, "volatile.")
		switch typ {
		case "bridge":
			ok = ok || bridgeKeys[k]
		case "ovn":
			ok = ok || ovnKeys[k]
		default:
			ok = ok || k == "parent" || k == "mtu" || k == "vlan" || k == "gvrp"
		}
		if !ok {
			return fmt.Sprintf("Invalid option for network %q option %q", name, k)
		}
	}
	if parentTypes[typ] && cfg["parent"] == "" {
		return fmt.Sprintf("Invalid value for network %q option \"parent\": Required value", name)
	}
	if typ != "bridge" && typ != "ovn" {
		return ""
	}
	for _, a := range []struct {
		key string
		v4  bool
	}{{"ipv4.address", true}, {"ipv6.address", false}} {
		v := cfg[a.key]
		if v == "" || v == "none" || v == "auto" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return fmt.Sprintf("Invalid value for network %q option %q: invalid CIDR address: %s", name, a.key, v)
		}
		if p.Addr().Is4() != a.v4 {
			return fmt.Sprintf("Invalid value for network %q option %q: Not an IPv%s address %q", name, a.key, map[bool]string{true: "4", false: "6"}[a.v4], v)
		}
	}
	if msg := m.checkNetworkLinks(project, cfg); msg != "" {
		return msg
	}
	m.fillAuto(cfg)
	return ""
}

// fillAuto turns `auto` (or, on a create, no address) into a free subnet
// (10.100+i.0.1/24, fd42:100+i::1/64: nothing is ever sent to them). As
// incusd's random pick, `auto` sent again never gives the subnet the
// network has.
func (m *Incus) fillAuto(cfg map[string]string) {
	used := map[string]bool{}
	for _, n := range m.networks {
		used[n.config["ipv4.address"]] = true
		used[n.config["ipv6.address"]] = true
	}
	for _, a := range []struct{ key, nat, form string }{
		{"ipv4.address", "ipv4.nat", "10.%d.0.1/24"}, {"ipv6.address", "ipv6.nat", "fd42:%d::1/64"},
	} {
		if cfg[a.key] != "auto" {
			continue
		}
		for i := 100; ; i++ {
			if v := fmt.Sprintf(a.form, i); !used[v] {
				cfg[a.key] = v
				break
			}
		}
		if cfg[a.nat] == "" {
			cfg[a.nat] = "true"
		}
	}
}

// apply stores a checked config and its addresses.
func (n *mockNetwork) apply(description string, cfg map[string]string) {
	n.description = description
	n.config = cfg
	n.ipv4, n.ipv6 = netip.Prefix{}, netip.Prefix{}
	if p, err := netip.ParsePrefix(cfg["ipv4.address"]); err == nil {
		n.ipv4 = p
	}
	if p, err := netip.ParsePrefix(cfg["ipv6.address"]); err == nil {
		n.ipv6 = p
	}
}

// memberKeys are the keys a network may have per cluster member (incusd
// 6.0's node-specific network config).
var memberKeys = map[string]bool{"bgp.ipv4.nexthop": true, "bgp.ipv6.nexthop": true, "bridge.external_interfaces": true, "parent": true}

// createNetwork: with ?target=, incusd checks that the config holds only
// member-specific keys before it looks for the member.
func (m *Incus) createNetwork(w http.ResponseWriter, r *http.Request) {
	var req api.NetworksPost
	if !decode(w, r, &req) {
		return
	}
	if r.URL.Query().Get("target") != "" {
		for _, k := range sortedKeys(req.Config) {
			if !memberKeys[k] {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("Config key %q may not be used as member-specific key", k))
				return
			}
		}
	}
	m.withNetworkProject(func(w http.ResponseWriter, r *http.Request) {
		if m.cluster != nil {
			m.createClusterNetwork(w, r, req, m.networkProjectOf(r)) // incus_cluster.go
			return
		}
		m.createChecked(w, req, m.networkProjectOf(r))
	})(w, r)
}

// pathNetwork is the network of the request's path in the project whose
// networks the request's project uses, nil when there is none.
func (m *Incus) pathNetwork(r *http.Request) *mockNetwork {
	if n := m.networks[r.PathValue("name")]; n != nil && n.projectName() == m.networkProjectOf(r) {
		return n
	}
	return nil
}

// networkProjectOf is the project whose networks a request's project uses:
// its own with features.networks, else the default project's. The
// project is known to exist (withNetworkProject).
func (m *Incus) networkProjectOf(r *http.Request) string {
	if p := m.projects[projectParam(r)]; p != nil && p.name != "default" && p.feature("features.networks") {
		return p.name
	}
	return "default"
}

// projectName is the project the network is in.
func (n *mockNetwork) projectName() string {
	if n.project == "" {
		return "default"
	}
	return n.project
}

func (m *Incus) createChecked(w http.ResponseWriter, req api.NetworksPost, project string) {
	switch {
	case req.Type == "" && project != "default":
		req.Type = "ovn" // the only type a project of its own can have
	case req.Type == "":
		req.Type = "bridge"
	}
	cfg := copyMap(req.Config)
	switch {
	case req.Name == "":
		writeError(w, http.StatusBadRequest, "No name provided")
		return
	case networkNameProblem(req.Name) != "":
		writeError(w, http.StatusBadRequest, networkNameProblem(req.Name))
		return
	case m.networks[req.Name] != nil:
		writeError(w, http.StatusConflict, fmt.Sprintf("Network %q already exists", req.Name))
		return
	case req.Type != "bridge" && req.Type != "ovn" && !parentTypes[req.Type]:
		writeError(w, http.StatusBadRequest, "Unknown driver")
		return
	case project != "default" && req.Type != "ovn":
		// Only OVN networks live in a project of their own.
		writeError(w, http.StatusBadRequest, "Network type does not support non-default projects")
		return
	}
	if req.Type == "bridge" || req.Type == "ovn" {
		// incusd's defaults for a new bridge or OVN network: both families on `auto`.
		for _, k := range []string{"ipv4.address", "ipv6.address"} {
			if cfg[k] == "" {
				cfg[k] = "auto"
			}
		}
	}
	if msg := m.checkNetworkConfig(project, req.Name, req.Type, cfg); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if req.Type == "ovn" {
		if msg := m.checkUplink(cfg["network"]); msg != "" {
			writeError(w, http.StatusInternalServerError, msg)
			return
		}
	}
	n := &mockNetwork{name: req.Name, typ: req.Type, project: project, leases: map[uint32]*mockInstance{}}
	n.apply(req.Description, cfg)
	m.networks[req.Name] = n
	writeCreated(w, "/1.0/networks/"+req.Name, nil)
}

func (m *Incus) getNetwork(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
	view := m.networkView(n, projectParam(r))
	if own := n.members[r.URL.Query().Get("target")]; own != nil {
		view.Config = copyMap(view.Config)
		for k, v := range own {
			view.Config[k] = v
		}
	}
	writeSync(w, view, etagOf(n.writable()))
}

// updateNetwork is PUT and PATCH (which merges config). A key left out of
// a PUT is unset: a bridge without ipv4.address has no IPv4.
func (m *Incus) updateNetwork(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
	var req api.NetworkPut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(n.writable())) {
		return
	}
	cfg := copyMap(req.Config)
	if r.Method == http.MethodPatch {
		cfg = copyMap(n.config)
		for k, v := range req.Config {
			cfg[k] = v
		}
	}
	if msg := m.checkNetworkConfig(n.projectName(), n.name, n.typ, cfg); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	n.apply(req.Description, cfg)
	writeEmpty(w)
}

func (m *Incus) renameNetwork(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
	var req api.NetworkPost
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Name == "":
		writeError(w, http.StatusBadRequest, "No name provided")
	case networkNameProblem(req.Name) != "":
		writeError(w, http.StatusBadRequest, networkNameProblem(req.Name))
	case m.networks[req.Name] != nil:
		writeError(w, http.StatusConflict, fmt.Sprintf("Network %q already exists", req.Name))
	case len(m.networkUsedBy(n)) > 0:
		writeError(w, http.StatusBadRequest, "Network is currently in use")
	default:
		delete(m.networks, n.name)
		n.name = req.Name
		m.networks[n.name] = n
		writeCreated(w, "/1.0/networks/"+n.name, nil)
	}
}

func (m *Incus) deleteNetwork(w http.ResponseWriter, _ *http.Request, n *mockNetwork) {
	if len(m.networkUsedBy(n)) > 0 {
		writeError(w, http.StatusBadRequest, "The network is currently in use")
		return
	}
	delete(m.networks, n.name)
	m.dropPeers(n)
	writeEmpty(w)
}
