package mockhost

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Network ACLs live in their project when it has features.networks, else
// in the default project, as in incusd. The texts are incusd 6.0.4's
// (docs-internal/incus-error-texts.md); rule errors come as 500.

func (m *Incus) networkACLRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/network-acls", m.listNetworkACLs)
	mux.HandleFunc("POST /1.0/network-acls", m.createNetworkACL)
	mux.HandleFunc("GET /1.0/network-acls/{name}", m.getNetworkACL)
	mux.HandleFunc("PUT /1.0/network-acls/{name}", m.updateNetworkACL)
	mux.HandleFunc("PATCH /1.0/network-acls/{name}", m.updateNetworkACL)
	mux.HandleFunc("POST /1.0/network-acls/{name}", m.renameNetworkACL)
	mux.HandleFunc("DELETE /1.0/network-acls/{name}", m.deleteNetworkACL)
}

// aclsOf is the project holding the ACLs that p uses.
func (m *Incus) aclsOf(p *mockProject) *mockProject {
	owner := p
	if !p.feature("features.networks") {
		owner = m.projects["default"]
	}
	if owner.acls == nil {
		owner.acls = map[string]*api.NetworkACL{}
	}
	return owner
}

// aclProject is the project whose ACLs a request's project uses, or nil
// after writing incusd's 404 for a missing project.
func (m *Incus) aclProject(w http.ResponseWriter, r *http.Request) *mockProject {
	name := projectParam(r)
	p, ok := m.projects[name]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load project %q: Project not found", name))
		return nil
	}
	return m.aclsOf(p)
}

// usesACL reports whether a device names the ACL in security.acls.
func usesACL(d map[string]string, name string) bool {
	if d["type"] != "nic" {
		return false
	}
	for _, a := range strings.Split(d["security.acls"], ",") {
		if strings.TrimSpace(a) == name {
			return true
		}
	}
	return false
}

// aclUsedBy lists the networks naming the ACL in security.acls and the
// profiles and instances whose NICs do, in the projects using owner's
// ACLs.
func (m *Incus) aclUsedBy(owner *mockProject, name string) []string {
	out := []string{}
	for _, n := range m.networks {
		if np := m.projects[n.projectName()]; np != nil && m.aclsOf(np) == owner && networkConfigNames(n, name, "security.acls") {
			out = append(out, withProject("/1.0/networks/"+n.name, n.projectName()))
		}
	}
	for _, p := range m.projects {
		if m.aclsOf(p) != owner {
			continue
		}
		for _, prof := range p.profiles {
			for _, d := range prof.Devices {
				if usesACL(d, name) {
					out = append(out, withProject("/1.0/profiles/"+prof.Name, p.name))
					break
				}
			}
		}
		for _, inst := range p.instances {
			for _, d := range inst.Devices {
				if usesACL(d, name) {
					out = append(out, withProject("/1.0/instances/"+inst.Name, p.name))
					break
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) aclView(owner *mockProject, a *api.NetworkACL) api.NetworkACL {
	out := *a
	out.Project = owner.name
	out.Config = copyMap(a.Config)
	out.Ingress = append([]api.NetworkACLRule{}, a.Ingress...)
	out.Egress = append([]api.NetworkACLRule{}, a.Egress...)
	out.UsedBy = m.aclUsedBy(owner, a.Name)
	return out
}

func (m *Incus) listNetworkACLs(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.aclProject(w, r)
	if p == nil {
		return
	}
	names := make([]string, 0, len(p.acls))
	for n := range p.acls {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkACL, 0, len(names))
		for _, n := range names {
			list = append(list, m.aclView(p, p.acls[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/network-acls/"+n)
	}
	writeSync(w, urls, "")
}

var aclNameRE = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

// aclNameError is incusd's text for an ACL name it refuses (500): it
// must read as a host name, so that rules tell it from an address.
func aclNameError(name string) string {
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
	case isNumber(name):
		return "Name cannot be a number"
	case !aclNameRE.MatchString(name):
		return "Name can only contain alphanumeric and hyphen characters"
	}
	return ""
}

// checkACL validates an ACL's config and rules as incusd does (500, as all its ACL refusals but a taken name).
func checkACL(owner *mockProject, put api.NetworkACLPut) (int, string) {
	for k := range put.Config {
		if !strings.HasPrefix(k, "user.") {
			return http.StatusInternalServerError, fmt.Sprintf("Invalid config option %q", k)
		}
	}
	for _, dir := range []struct {
		name  string
		rules []api.NetworkACLRule
	}{{"ingress", put.Ingress}, {"egress", put.Egress}} {
		for i, rule := range dir.rules {
			if msg := checkACLRule(owner, dir.name, rule); msg != "" {
				status := http.StatusInternalServerError
				if strings.HasSuffix(msg, addressSetNotFound) {
					status = http.StatusNotFound // incusd wraps the set's 404
				}
				return status, fmt.Sprintf("Invalid %s rule %d: %s", dir.name, i, msg)
			}
		}
	}
	return 0, ""
}

func checkACLRule(owner *mockProject, dir string, r api.NetworkACLRule) string {
	switch r.Action {
	case "allow", "allow-stateless", "drop", "reject":
	default:
		return "Action must be one of: allow, allow-stateless, drop, reject"
	}
	switch r.State {
	case "enabled", "disabled", "logged":
	default:
		return "State must be one of: enabled, disabled, logged"
	}
	for _, f := range []struct {
		field, value string
		named        bool
	}{{"Source", r.Source, dir == "ingress"}, {"Destination", r.Destination, dir == "egress"}} {
		if msg := checkACLSubjects(owner, dir, f.field, f.value, f.named); msg != "" {
			return "Invalid " + f.field + ": " + msg
		}
	}
	switch r.Protocol {
	case "", "icmp4", "icmp6", "tcp", "udp":
	default:
		return "Protocol must be one of: icmp4, icmp6, tcp, udp"
	}
	icmp := r.Protocol == "icmp4" || r.Protocol == "icmp6"
	for _, f := range []struct{ field, value string }{{"Source port", r.SourcePort}, {"Destination port", r.DestinationPort}} {
		if f.value == "" {
			continue
		}
		if r.Protocol == "" {
			return f.field + " cannot be used without specifying protocol"
		}
		if icmp {
			return fmt.Sprintf("%s cannot be used with %q protocol", f.field, r.Protocol)
		}
		for _, p := range strings.Split(f.value, ",") {
			for _, n := range strings.SplitN(p, "-", 2) {
				if _, err := strconv.ParseUint(n, 10, 64); err != nil {
					return fmt.Sprintf("Invalid %s: Invalid port number %q", f.field, n)
				}
			}
		}
	}
	for _, f := range []struct{ field, value string }{{"ICMP type", r.ICMPType}, {"ICMP code", r.ICMPCode}} {
		if f.value == "" {
			continue
		}
		if r.Protocol == "" {
			return f.field + " cannot be used without specifying protocol"
		}
		if !icmp {
			return f.field + " cannot be used with non-ICMP protocol"
		}
		if n, err := strconv.ParseUint(f.value, 10, 8); err != nil || n > 255 {
			return fmt.Sprintf("Invalid %s: Invalid value for an integer %q. Must be between 0 and 255", f.field, f.value)
		}
	}
	return ""
}

// checkACLSubjects checks a rule's source or destination: addresses,
// ranges and subnets, address sets ($name), or (where named subjects are
// allowed) ACL names, @internal / @external and network peers.
func checkACLSubjects(owner *mockProject, dir, field, value string, named bool) string {
	if value == "" {
		return ""
	}
	for _, s := range strings.Split(value, ",") {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err == nil {
			continue
		}
		if from, to, ok := strings.Cut(s, "-"); ok {
			a, errA := netip.ParseAddr(from)
			b, errB := netip.ParseAddr(to)
			if errA == nil && errB == nil && a.Is4() == b.Is4() {
				continue
			}
		}
		// "@network/peer" names a network peer (incusd takes any "@..." here).
		if strings.HasPrefix(s, "@") || owner.acls[s] != nil {
			if !named {
				return fmt.Sprintf("Named subjects not allowed in %q for %q rules", field, dir)
			}
			continue
		}
		if strings.HasPrefix(s, "$") { // an address set, in any field (incus_network_address_sets.go)
			if msg := addressSetSubjectError(owner, s); msg != "" {
				return msg
			}
			continue
		}
		return fmt.Sprintf("Invalid subject %q", s)
	}
	return ""
}

func (m *Incus) createNetworkACL(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkACLsPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.aclProject(w, r)
	if p == nil {
		return
	}
	if msg := aclNameError(req.Name); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if _, ok := p.acls[req.Name]; ok {
		writeError(w, http.StatusBadRequest, "The network ACL already exists")
		return
	}
	normaliseRules(&req.NetworkACLPut)
	if status, msg := checkACL(p, req.NetworkACLPut); msg != "" {
		writeError(w, status, msg)
		return
	}
	a := &api.NetworkACL{NetworkACLPost: api.NetworkACLPost{Name: req.Name}, Project: p.name}
	a.NetworkACLPut = copyACLPut(req.NetworkACLPut)
	p.acls[req.Name] = a
	writeCreated(w, withProject("/1.0/network-acls/"+req.Name, p.name), nil)
}

// normaliseRules trims a request's rules as incusd does before storing them.
func normaliseRules(put *api.NetworkACLPut) {
	for i := range put.Ingress {
		put.Ingress[i].Normalise()
	}
	for i := range put.Egress {
		put.Egress[i].Normalise()
	}
}

// copyACLPut copies an ACL's writable part; empty lists stay empty (incusd
// answers [] for no rules).
func copyACLPut(in api.NetworkACLPut) api.NetworkACLPut {
	return api.NetworkACLPut{
		Description: in.Description,
		Config:      copyMap(in.Config),
		Ingress:     append([]api.NetworkACLRule{}, in.Ingress...),
		Egress:      append([]api.NetworkACLRule{}, in.Egress...),
	}
}

// lookupNetworkACL finds an ACL of the request's project, or writes the 404s.
func (m *Incus) lookupNetworkACL(w http.ResponseWriter, r *http.Request) (*mockProject, *api.NetworkACL) {
	p := m.aclProject(w, r)
	if p == nil {
		return nil, nil
	}
	a, ok := p.acls[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "Network ACL not found")
		return nil, nil
	}
	return p, a
}

func (m *Incus) getNetworkACL(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkACL(w, r)
	if a == nil {
		return
	}
	writeSync(w, m.aclView(p, a), etagOf(a.Writable()))
}

func (m *Incus) updateNetworkACL(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkACLPut
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkACL(w, r)
	if a == nil || !ifMatch(w, r, etagOf(a.Writable())) {
		return
	}
	if r.Method == http.MethodPatch {
		merged := copyACLPut(a.NetworkACLPut)
		for k, v := range req.Config {
			merged.Config[k] = v
		}
		if req.Description != "" {
			merged.Description = req.Description
		}
		if req.Ingress != nil {
			merged.Ingress = req.Ingress
		}
		if req.Egress != nil {
			merged.Egress = req.Egress
		}
		req = merged
	}
	normaliseRules(&req)
	if status, msg := checkACL(p, req); msg != "" {
		writeError(w, status, msg)
		return
	}
	a.NetworkACLPut = copyACLPut(req)
	writeEmpty(w)
}

func (m *Incus) renameNetworkACL(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkACLPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkACL(w, r)
	if a == nil {
		return
	}
	if len(m.aclUsedBy(p, a.Name)) > 0 {
		writeError(w, http.StatusInternalServerError, "Cannot rename an ACL that is in use")
		return
	}
	if msg := aclNameError(req.Name); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if _, taken := p.acls[req.Name]; taken {
		writeError(w, http.StatusInternalServerError, "An ACL by that name exists already")
		return
	}
	delete(p.acls, a.Name)
	a.Name = req.Name
	p.acls[req.Name] = a
	writeCreated(w, withProject("/1.0/network-acls/"+req.Name, p.name), nil)
}

func (m *Incus) deleteNetworkACL(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkACL(w, r)
	if a == nil {
		return
	}
	if len(m.aclUsedBy(p, a.Name)) > 0 {
		writeError(w, http.StatusInternalServerError, "Cannot delete an ACL that is in use")
		return
	}
	delete(p.acls, a.Name)
	writeEmpty(w)
}
