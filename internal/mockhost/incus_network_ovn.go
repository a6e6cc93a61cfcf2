package mockhost

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// OVN networks, as far as network peers need them, network integrations
// and network peers, with incusd 6.0.4's texts and statuses
// (docs-internal/incus-error-texts.md). The fake has no OVN: an OVN network
// is config only, and a peer is Created as soon as incusd would set it up.

// ovnState is what the fake keeps for this family.
type ovnState struct {
	integrations map[string]*mockIntegration
	// peers are each OVN network's peers, by name; keyed by the network
	// itself so a rename keeps them.
	peers map[*mockNetwork]map[string]*mockPeer
}

func newOVNState() *ovnState {
	return &ovnState{integrations: map[string]*mockIntegration{}, peers: map[*mockNetwork]map[string]*mockPeer{}}
}

type mockIntegration struct {
	name        string
	description string
	config      map[string]string
}

type mockPeer struct {
	name        string
	description string
	config      map[string]string
	typ         string
	// targetProject and targetNetwork are the names asked for (a local
	// peer not linked yet); link is the other network once the two sides
	// are peered (incusd then forgets the names and joins on it).
	targetProject string
	targetNetwork string
	link          *mockNetwork
	integration   *mockIntegration
}

func (m *Incus) networkOVNRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/network-integrations", m.withIntegrationProject(m.listIntegrations))
	mux.HandleFunc("POST /1.0/network-integrations", m.locked(m.createIntegration))
	mux.HandleFunc("GET /1.0/network-integrations/{name}", m.withIntegrationProject(m.withIntegration(m.getIntegration)))
	mux.HandleFunc("PUT /1.0/network-integrations/{name}", m.locked(m.withIntegration(m.updateIntegration)))
	mux.HandleFunc("PATCH /1.0/network-integrations/{name}", m.locked(m.withIntegration(m.updateIntegration)))
	mux.HandleFunc("POST /1.0/network-integrations/{name}", m.locked(m.renameIntegration))
	mux.HandleFunc("DELETE /1.0/network-integrations/{name}", m.locked(m.withIntegration(m.deleteIntegration)))

	mux.HandleFunc("GET /1.0/networks/{name}/peers", m.withPeerNetwork(m.listPeers))
	mux.HandleFunc("POST /1.0/networks/{name}/peers", m.withPeerNetwork(m.createPeer))
	mux.HandleFunc("GET /1.0/networks/{name}/peers/{peer}", m.withPeerNetwork(m.withPeer(m.getPeer)))
	mux.HandleFunc("PUT /1.0/networks/{name}/peers/{peer}", m.withPeerNetwork(m.withPeer(m.updatePeer)))
	mux.HandleFunc("PATCH /1.0/networks/{name}/peers/{peer}", m.withPeerNetwork(m.withPeer(m.updatePeer)))
	mux.HandleFunc("DELETE /1.0/networks/{name}/peers/{peer}", m.withPeerNetwork(m.withPeer(m.deletePeer)))
}

func (m *Incus) locked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		h(w, r)
	}
}

// ---- OVN networks ----

// OVN networks themselves are created and checked with the others
// (incus_networks.go: createChecked, checkNetworkConfig, checkUplink).

// ---- integrations ----

const integrationNotFound = "Network_integration not found"

// withIntegrationProject: a GET of integrations checks the request's
// project (its restrictions may hide some), with m.mu held.
func (m *Incus) withIntegrationProject(h http.HandlerFunc) http.HandlerFunc {
	return m.locked(func(w http.ResponseWriter, r *http.Request) {
		if p := projectParam(r); m.projects[p] == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load network restrictions from project %q: Project not found", p))
			return
		}
		h(w, r)
	})
}

func (m *Incus) withIntegration(h func(http.ResponseWriter, *http.Request, *mockIntegration)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := m.ovn.integrations[r.PathValue("name")]
		if i == nil {
			writeError(w, http.StatusNotFound, integrationNotFound)
			return
		}
		h(w, r, i)
	}
}

func (i *mockIntegration) writable() api.NetworkIntegrationPut {
	return api.NetworkIntegrationPut{Description: i.description, Config: copyMap(i.config)}
}

// integrationUsedBy lists the remote peers using i, as incusd's URLs.
func (m *Incus) integrationUsedBy(i *mockIntegration) []string {
	out := []string{}
	for n, peers := range m.ovn.peers {
		if m.networks[n.name] != n {
			continue
		}
		for _, p := range peers {
			if p.integration == i {
				out = append(out, "/1.0/networks/"+n.name+"/peers/"+p.name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) integrationView(i *mockIntegration) api.NetworkIntegration {
	return api.NetworkIntegration{Name: i.name, Type: "ovn", NetworkIntegrationPut: i.writable(), UsedBy: m.integrationUsedBy(i)}
}

func (m *Incus) listIntegrations(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(m.ovn.integrations))
	for n := range m.ovn.integrations {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkIntegration, 0, len(names))
		for _, n := range names {
			list = append(list, m.integrationView(m.ovn.integrations[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/network-integrations/"+n)
	}
	writeSync(w, urls, "")
}

// integrationKeys are the keys incusd takes for an integration of type ovn.
var integrationKeys = map[string]bool{
	"ovn.northbound_connection": true, "ovn.southbound_connection": true, "ovn.ca_cert": true,
	"ovn.client_cert": true, "ovn.client_key": true, "ovn.transit.pattern": true,
}

// checkIntegration is incusd's validation (400), "" when it passes.
func checkIntegration(typ string, inUse bool, old, cfg map[string]string) string {
	if typ != "ovn" {
		return fmt.Sprintf("Invalid integration type %q", typ)
	}
	for _, k := range sortedKeys(cfg) {
		if !strings.HasPrefix(k, "user.") && !integrationKeys[k] {
			return fmt.Sprintf("Invalid network integration configuration key %q", k)
		}
	}
	if old != nil && inUse && old["ovn.transit.pattern"] != cfg["ovn.transit.pattern"] {
		return "The OVN transit switch pattern cannot be changed while the integration is in use"
	}
	return ""
}

// createIntegration: incusd 6.0.4 takes any name, even one its paths
// cannot reach ("" or with a slash); a taken one fails its database insert.
func (m *Incus) createIntegration(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkIntegrationsPost
	if !decode(w, r, &req) {
		return
	}
	if msg := checkIntegration(req.Type, false, nil, req.Config); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if m.ovn.integrations[req.Name] != nil {
		writeError(w, http.StatusInternalServerError, `Failed to create "networks_integrations" entry: UNIQUE constraint failed: networks_integrations.name`)
		return
	}
	m.ovn.integrations[req.Name] = &mockIntegration{name: req.Name, description: req.Description, config: nonEmpty(req.Config)}
	writeCreated(w, "/1.0/network-integrations/"+req.Name, nil)
}

// nonEmpty is a config as incusd stores it: keys set to "" are not kept.
func nonEmpty(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func (m *Incus) getIntegration(w http.ResponseWriter, _ *http.Request, i *mockIntegration) {
	writeSync(w, m.integrationView(i), etagOf(i.writable()))
}

// updateIntegration is PUT and PATCH (which merges config and keeps an
// empty description).
func (m *Incus) updateIntegration(w http.ResponseWriter, r *http.Request, i *mockIntegration) {
	if !ifMatch(w, r, etagOf(i.writable())) {
		return
	}
	var req api.NetworkIntegrationPut
	if !decode(w, r, &req) {
		return
	}
	cfg := copyMap(req.Config)
	if r.Method == http.MethodPatch {
		for k, v := range i.config {
			if _, ok := cfg[k]; !ok {
				cfg[k] = v
			}
		}
		if req.Description == "" {
			req.Description = i.description
		}
	}
	if msg := checkIntegration("ovn", len(m.integrationUsedBy(i)) > 0, i.config, cfg); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	i.description, i.config = req.Description, nonEmpty(cfg)
	writeEmpty(w)
}

// renameIntegration: incusd renames the database row (a missing one
// affects no row; a taken name fails the unique index). Peers follow.
func (m *Incus) renameIntegration(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkIntegrationPost
	if !decode(w, r, &req) {
		return
	}
	i := m.ovn.integrations[r.PathValue("name")]
	switch {
	case i == nil:
		writeError(w, http.StatusInternalServerError, "Query affected 0 rows instead of 1")
	case m.ovn.integrations[req.Name] != nil && req.Name != i.name:
		writeError(w, http.StatusInternalServerError, "Rename NetworkIntegration failed: UNIQUE constraint failed: networks_integrations.name")
	default:
		delete(m.ovn.integrations, i.name)
		i.name = req.Name
		m.ovn.integrations[i.name] = i
		writeEmpty(w)
	}
}

func (m *Incus) deleteIntegration(w http.ResponseWriter, _ *http.Request, i *mockIntegration) {
	if len(m.integrationUsedBy(i)) > 0 {
		writeError(w, http.StatusInternalServerError, "Network integration is currently in use")
		return
	}
	delete(m.ovn.integrations, i.name)
	writeEmpty(w)
}

// ---- peers ----

// withPeerNetwork runs h, with m.mu held, on the OVN network of the path:
// every peer request on a missing network, or on one of another type,
// gets incusd's refusal.
func (m *Incus) withPeerNetwork(h func(http.ResponseWriter, *http.Request, *mockNetwork)) http.HandlerFunc {
	return m.withNetworkProject(func(w http.ResponseWriter, r *http.Request) {
		n := m.pathNetwork(r)
		switch {
		case n == nil:
			writeError(w, http.StatusNotFound, "Failed loading network: Network not found")
		case n.typ != "ovn":
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Network driver %q does not support peering", n.typ))
		default:
			h(w, r, n)
		}
	})
}

func (m *Incus) withPeer(h func(http.ResponseWriter, *http.Request, *mockNetwork, *mockPeer)) func(http.ResponseWriter, *http.Request, *mockNetwork) {
	return func(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
		p := m.ovn.peers[n][r.PathValue("peer")]
		if p == nil {
			msg := "Network peer not found"
			switch r.Method {
			case http.MethodPut, http.MethodPatch:
				msg = "Failed updating peer: " + msg
			case http.MethodDelete:
				msg = "Failed deleting peer: " + msg
			}
			writeError(w, http.StatusNotFound, msg)
			return
		}
		h(w, r, n, p)
	}
}

// peerView is the peer as incusd answers it: a linked local peer shows
// the network peered back (Created), or Errored once that side is gone;
// one not linked yet is Pending; a remote one is Created.
func (m *Incus) peerView(n *mockNetwork, p *mockPeer) api.NetworkPeer {
	out := api.NetworkPeer{Name: p.name, Type: p.typ, NetworkPeerPut: api.NetworkPeerPut{Description: p.description, Config: copyMap(p.config)}, UsedBy: m.peerUsedBy(n, p)}
	switch {
	case p.typ == "remote":
		out.Status = api.NetworkStatusCreated
		if p.integration != nil {
			out.TargetIntegration = p.integration.name
		}
	case p.link != nil:
		out.Status = api.NetworkStatusErrored
		if m.networks[p.link.name] == p.link {
			for _, back := range m.ovn.peers[p.link] {
				if back.link == n {
					out.Status = api.NetworkStatusCreated
					out.TargetProject, out.TargetNetwork = p.link.projectName(), p.link.name
				}
			}
		}
	default:
		out.Status = api.NetworkStatusPending
		out.TargetProject, out.TargetNetwork = p.targetProject, p.targetNetwork
	}
	return out
}

// peerUsedBy lists the ACLs (of the network's project) with a rule whose
// source names the peer as "@network/peer", as incusd does.
func (m *Incus) peerUsedBy(n *mockNetwork, p *mockPeer) []string {
	out := []string{}
	np := m.projects[n.projectName()]
	if np == nil {
		return out
	}
	proj := m.aclsOf(np)
	subject := "@" + n.name + "/" + p.name
	names := make([]string, 0, len(proj.acls))
	for name := range proj.acls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := proj.acls[name]
	uses:
		for _, rules := range [][]api.NetworkACLRule{a.Ingress, a.Egress} {
			for _, r := range rules {
				for _, s := range strings.Split(r.Source, ",") {
					if strings.TrimSpace(s) == subject {
						out = append(out, "/1.0/network-acls/"+name)
						break uses
					}
				}
			}
		}
	}
	return out
}

func (m *Incus) peerNames(n *mockNetwork) []string {
	names := make([]string, 0, len(m.ovn.peers[n]))
	for name := range m.ovn.peers[n] {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (m *Incus) listPeers(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
	names := m.peerNames(n)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkPeer, 0, len(names))
		for _, name := range names {
			list = append(list, m.peerView(n, m.ovn.peers[n][name]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, name := range names {
		urls = append(urls, "/1.0/networks/"+n.name+"/peers/"+name)
	}
	writeSync(w, urls, "")
}

// peerNameProblem is incusd's refusal of a peer name (its ACL name
// rules), "" for a valid one.
func peerNameProblem(name string) string {
	switch {
	case name == "":
		return "Name is required"
	case strings.HasPrefix(name, "@") || strings.HasPrefix(name, "%") || strings.HasPrefix(name, "#"):
		return fmt.Sprintf("Name cannot start with reserved character %q", name[0])
	case len(name) > 63:
		return "Name must be 1-63 characters long"
	case strings.HasPrefix(name, "-"):
		return `Name must not start with "-" character`
	case strings.HasSuffix(name, "-"):
		return `Name must not end with "-" character`
	case strings.Trim(name, "0123456789") == "":
		return "Name cannot be a number"
	case strings.Trim(name, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "":
		return "Name can only contain alphanumeric and hyphen characters"
	case name == "internal" || name == "external":
		return "Name cannot be one of the reserved network subjects: [internal external]"
	}
	return ""
}

// peerConfigProblem: a peer takes user.* keys and target_address.
func peerConfigProblem(cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		if k != "target_address" && !strings.HasPrefix(k, "user.") {
			return fmt.Sprintf("Invalid option %q", k)
		}
	}
	return ""
}

// createPeer follows incusd's order: required targets (400), taken name
// or target (409), name and config (500), the type and integration (in
// the database insert), then the mutual peering.
func (m *Incus) createPeer(w http.ResponseWriter, r *http.Request, n *mockNetwork) {
	var req api.NetworkPeersPost
	if !decode(w, r, &req) {
		return
	}
	fail := func(status int, msg string) { writeError(w, status, "Failed creating peer: "+msg) }
	if req.Type == "" {
		req.Type = "local"
	}
	if req.Type == "local" {
		if req.TargetProject == "" {
			req.TargetProject = n.projectName() // the network's own
		}
		if req.TargetNetwork == "" {
			fail(http.StatusBadRequest, "Target network is required")
			return
		}
	} else if req.Type == "remote" && req.TargetIntegration == "" {
		fail(http.StatusBadRequest, "Target integration is required")
		return
	}
	for _, name := range m.peerNames(n) {
		v := m.peerView(n, m.ovn.peers[n][name])
		if v.Name == req.Name {
			fail(http.StatusConflict, "A peer for that name already exists")
			return
		}
		if req.Type == "local" && v.TargetProject == req.TargetProject && v.TargetNetwork == req.TargetNetwork {
			fail(http.StatusConflict, "A peer for that target network already exists")
			return
		}
	}
	if msg := peerNameProblem(req.Name); msg != "" {
		fail(http.StatusInternalServerError, msg)
		return
	}
	if msg := peerConfigProblem(req.Config); msg != "" {
		fail(http.StatusInternalServerError, msg)
		return
	}
	p := &mockPeer{name: req.Name, description: req.Description, config: nonEmpty(req.Config), typ: req.Type}
	switch req.Type {
	case "local":
		p.targetProject, p.targetNetwork = req.TargetProject, req.TargetNetwork
	case "remote":
		p.integration = m.ovn.integrations[req.TargetIntegration]
		if p.integration == nil {
			fail(http.StatusNotFound, integrationNotFound)
			return
		}
	default:
		fail(http.StatusInternalServerError, fmt.Sprintf("Invalid network peer type %q", req.Type))
		return
	}
	if m.ovn.peers[n] == nil {
		m.ovn.peers[n] = map[string]*mockPeer{}
	}
	m.ovn.peers[n][p.name] = p
	if p.typ == "local" {
		// The mutual peering: a peer on the target network, not linked
		// yet, that names this network.
		if target := m.networks[p.targetNetwork]; target != nil && target.projectName() == p.targetProject {
			for _, name := range m.peerNames(target) {
				back := m.ovn.peers[target][name]
				if back.typ == "local" && back.link == nil && back.targetProject == n.projectName() && back.targetNetwork == n.name {
					p.link, back.link = target, n
					p.targetProject, p.targetNetwork, back.targetProject, back.targetNetwork = "", "", "", ""
					break
				}
			}
		}
	}
	writeCreated(w, "/1.0/networks/"+n.name+"/peers/"+p.name, nil)
}

func peerETag(p api.NetworkPeer) string {
	return etagOf([]any{p.Name, p.Description, p.Config})
}

func (m *Incus) getPeer(w http.ResponseWriter, _ *http.Request, n *mockNetwork, p *mockPeer) {
	v := m.peerView(n, p)
	writeSync(w, v, peerETag(v))
}

// updatePeer: PUT and PATCH alike replace the description and config.
// incusd 6.0.4 does not check If-Match on a peer.
func (m *Incus) updatePeer(w http.ResponseWriter, r *http.Request, _ *mockNetwork, p *mockPeer) {
	var req api.NetworkPeerPut
	if !decode(w, r, &req) {
		return
	}
	if msg := peerConfigProblem(req.Config); msg != "" {
		writeError(w, http.StatusInternalServerError, "Failed updating peer: "+msg)
		return
	}
	p.description, p.config = req.Description, nonEmpty(req.Config)
	writeEmpty(w)
}

func (m *Incus) deletePeer(w http.ResponseWriter, _ *http.Request, n *mockNetwork, p *mockPeer) {
	if len(m.peerUsedBy(n, p)) > 0 {
		writeError(w, http.StatusInternalServerError, "Failed deleting peer: Cannot delete a Peer that is in use")
		return
	}
	delete(m.ovn.peers[n], p.name)
	writeEmpty(w)
}

// dropPeers forgets the peers of a deleted network (incusd deletes them
// with it).
func (m *Incus) dropPeers(n *mockNetwork) { delete(m.ovn.peers, n) }
