package mockhost

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Network address sets (API extension network_address_set, Incus 6.12 and
// later; the real test daemon, 6.0.4, has none). They live where the
// project's ACLs live (aclsOf). The statuses and texts are Incus 6.12's
// (docs-internal/incus-error-texts.md): a taken name is 400, a not-found
// 404, and every other refusal 500, as incusd's SmartError gives a plain error.

func (m *Incus) networkAddressSetRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/network-address-sets", m.listNetworkAddressSets)
	mux.HandleFunc("POST /1.0/network-address-sets", m.createNetworkAddressSet)
	mux.HandleFunc("GET /1.0/network-address-sets/{name}", m.getNetworkAddressSet)
	mux.HandleFunc("PUT /1.0/network-address-sets/{name}", m.updateNetworkAddressSet)
	mux.HandleFunc("PATCH /1.0/network-address-sets/{name}", m.updateNetworkAddressSet)
	mux.HandleFunc("POST /1.0/network-address-sets/{name}", m.renameNetworkAddressSet)
	mux.HandleFunc("DELETE /1.0/network-address-sets/{name}", m.deleteNetworkAddressSet)
}

// addressSetMap is the address sets of an ACL-owning project (aclsOf).
func (owner *mockProject) addressSetMap() map[string]*api.NetworkAddressSet {
	if owner.addressSets == nil {
		owner.addressSets = map[string]*api.NetworkAddressSet{}
	}
	return owner.addressSets
}

// addressSetNameError is incusd's text for a set name it refuses (500).
func addressSetNameError(name string) string {
	switch {
	case name == "":
		return "Name is required"
	case strings.HasPrefix(name, "@") || strings.HasPrefix(name, "$"):
		return fmt.Sprintf("Name cannot start with reserved character %q", name[0])
	case len(name) > 63:
		return "Name must be 1-63 characters long"
	case strings.HasPrefix(name, "-"):
		return `Name must not start with "-" character`
	case strings.HasSuffix(name, "-"):
		return `Name must not end with "-" character`
	}
	if _, err := strconv.ParseUint(name, 10, 64); err == nil {
		return "Name cannot be a number"
	}
	if !hostnameRE.MatchString(name) {
		return "Name can only contain alphanumeric and hyphen characters"
	}
	return ""
}

var hostnameRE = regexp.MustCompile(`^[\-a-zA-Z0-9]+$`)

// checkAddressSet validates a set's addresses and config as incusd does:
// plain addresses and CIDR subnets, each string once (incusd compares the
// strings as sent and stores them so), and user.* config keys.
func checkAddressSet(put api.NetworkAddressSetPut) string {
	seen := map[string]bool{}
	for i, a := range put.Addresses {
		if seen[a] {
			return fmt.Sprintf("Invalid addresses: Duplicate address %q found at index %d", a, i)
		}
		seen[a] = true
		if net.ParseIP(a) != nil {
			continue
		}
		if _, _, err := net.ParseCIDR(a); err == nil {
			continue
		}
		if _, err := net.ParseMAC(a); err == nil {
			return fmt.Sprintf("Invalid addresses: Unsupported MAC address format %q at index %d", a, i)
		}
		return fmt.Sprintf("Invalid addresses: Unsupported address format %q at index %d", a, i)
	}
	keys := make([]string, 0, len(put.Config))
	for k := range put.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, "user.") {
			// incusd's own words (copied from its integrations code).
			return fmt.Sprintf("Invalid network integration configuration key %q", k)
		}
	}
	return ""
}

// addressSetUsedBy lists the ACLs of owner whose rules name the set as
// `$name` in a source or destination.
func addressSetUsedBy(owner *mockProject, name string) []string {
	out := []string{}
	refers := func(rules []api.NetworkACLRule) bool {
		for _, r := range rules {
			for _, subjects := range []string{r.Source, r.Destination} {
				for _, s := range strings.Split(subjects, ",") {
					if strings.TrimSpace(s) == "$"+name {
						return true
					}
				}
			}
		}
		return false
	}
	for _, a := range owner.acls {
		if refers(a.Ingress) || refers(a.Egress) {
			out = append(out, withProject("/1.0/network-acls/"+a.Name, owner.name))
		}
	}
	sort.Strings(out)
	return out
}

func addressSetView(owner *mockProject, a *api.NetworkAddressSet) api.NetworkAddressSet {
	out := *a
	out.Project = owner.name
	out.Addresses = append([]string{}, a.Addresses...)
	out.Config = copyMap(a.Config)
	out.UsedBy = addressSetUsedBy(owner, a.Name)
	return out
}

func (m *Incus) listNetworkAddressSets(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.aclProject(w, r)
	if p == nil {
		return
	}
	sets := p.addressSetMap()
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkAddressSet, 0, len(names))
		for _, n := range names {
			list = append(list, addressSetView(p, sets[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/network-address-sets/"+n)
	}
	writeSync(w, urls, "")
}

func (m *Incus) createNetworkAddressSet(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkAddressSetsPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.aclProject(w, r)
	if p == nil {
		return
	}
	sets := p.addressSetMap()
	if _, ok := sets[req.Name]; ok {
		writeError(w, http.StatusBadRequest, "The network address set already exists")
		return
	}
	if msg := addressSetNameError(req.Name); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if msg := checkAddressSet(req.NetworkAddressSetPut); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	sets[req.Name] = &api.NetworkAddressSet{
		NetworkAddressSetPost: api.NetworkAddressSetPost{Name: req.Name},
		NetworkAddressSetPut:  copyAddressSetPut(req.NetworkAddressSetPut),
		Project:               p.name,
	}
	writeCreated(w, withProject("/1.0/network-address-sets/"+req.Name, p.name), nil)
}

// copyAddressSetPut copies a set's writable part; no addresses is [] and
// no config {}, as incusd answers.
func copyAddressSetPut(in api.NetworkAddressSetPut) api.NetworkAddressSetPut {
	return api.NetworkAddressSetPut{
		Description: in.Description,
		Addresses:   append([]string{}, in.Addresses...),
		Config:      copyMap(in.Config),
	}
}

// lookupNetworkAddressSet finds a set of the request's project, or writes the 404s.
func (m *Incus) lookupNetworkAddressSet(w http.ResponseWriter, r *http.Request) (*mockProject, *api.NetworkAddressSet) {
	p := m.aclProject(w, r)
	if p == nil {
		return nil, nil
	}
	a, ok := p.addressSetMap()[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, addressSetNotFound)
		return nil, nil
	}
	return p, a
}

// addressSetETag is over what incusd's ETag covers: name, description,
// addresses and config.
func addressSetETag(a *api.NetworkAddressSet) string {
	return etagOf([]any{a.Name, a.Description, a.Addresses, a.Config})
}

func (m *Incus) getNetworkAddressSet(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkAddressSet(w, r)
	if a == nil {
		return
	}
	writeSync(w, addressSetView(p, a), addressSetETag(a))
}

func (m *Incus) updateNetworkAddressSet(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, a := m.lookupNetworkAddressSet(w, r)
	if a == nil || !ifMatch(w, r, addressSetETag(a)) {
		return
	}
	var req api.NetworkAddressSetPut
	if !decode(w, r, &req) {
		return
	}
	if r.Method == http.MethodPatch {
		// incusd keeps the config keys a PATCH leaves out; the rest of the
		// request replaces the set's.
		if req.Config == nil {
			req.Config = map[string]string{}
		}
		for k, v := range a.Config {
			if _, ok := req.Config[k]; !ok {
				req.Config[k] = v
			}
		}
	}
	if msg := checkAddressSet(req); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	a.NetworkAddressSetPut = copyAddressSetPut(req)
	writeEmpty(w)
}

func (m *Incus) renameNetworkAddressSet(w http.ResponseWriter, r *http.Request) {
	var req api.NetworkAddressSetPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkAddressSet(w, r)
	if a == nil {
		return
	}
	if msg := addressSetNameError(req.Name); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	sets := p.addressSetMap()
	if _, taken := sets[req.Name]; taken {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Address set by that name: %s exists already", req.Name))
		return
	}
	if len(addressSetUsedBy(p, a.Name)) > 0 {
		writeError(w, http.StatusInternalServerError, "Cannot rename address set that is in use")
		return
	}
	delete(sets, a.Name)
	a.Name = req.Name
	sets[req.Name] = a
	writeCreated(w, withProject("/1.0/network-address-sets/"+req.Name, p.name), nil)
}

func (m *Incus) deleteNetworkAddressSet(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, a := m.lookupNetworkAddressSet(w, r)
	if a == nil {
		return
	}
	if len(addressSetUsedBy(p, a.Name)) > 0 {
		writeError(w, http.StatusInternalServerError, "Cannot delete address set that is in use")
		return
	}
	delete(p.addressSetMap(), a.Name)
	writeEmpty(w)
}

// addressSetSubjectError is incusd's refusal of an ACL subject `$name`
// naming a set owner lacks (404, with the rule's prefix), or "".
func addressSetSubjectError(owner *mockProject, subject string) string {
	name := strings.Trim(subject, "$")
	if _, ok := owner.addressSetMap()[name]; ok {
		return ""
	}
	return fmt.Sprintf("Failed getting network address set %q for subject validation: %s", name, addressSetNotFound)
}

const addressSetNotFound = "Network_address_set not found"
