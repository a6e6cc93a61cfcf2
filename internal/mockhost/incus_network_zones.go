package mockhost

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Network zones as incusd 6.0.4 has them: names unique on the whole server
// (across projects), the zone in its project when that has
// features.networks.zones, else in the default project; no rename (501);
// records with DNS entries checked as incusd's DNS library does for the
// types the fake knows. A zone named by a network's dns.zone.* keys lists
// it in used_by and cannot be deleted.

type mockZone struct {
	project string
	api.NetworkZone
	records map[string]*api.NetworkZoneRecord
}

func (m *Incus) networkZoneRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/network-zones", m.listZones)
	mux.HandleFunc("POST /1.0/network-zones", m.createZone)
	mux.HandleFunc("GET /1.0/network-zones/{zone}", m.getZone)
	mux.HandleFunc("PUT /1.0/network-zones/{zone}", m.updateZone)
	mux.HandleFunc("PATCH /1.0/network-zones/{zone}", m.updateZone)
	mux.HandleFunc("POST /1.0/network-zones/{zone}", notImplemented)
	mux.HandleFunc("DELETE /1.0/network-zones/{zone}", m.deleteZone)
	mux.HandleFunc("GET /1.0/network-zones/{zone}/records", m.listZoneRecords)
	mux.HandleFunc("POST /1.0/network-zones/{zone}/records", m.createZoneRecord)
	mux.HandleFunc("GET /1.0/network-zones/{zone}/records/{name}", m.getZoneRecord)
	mux.HandleFunc("PUT /1.0/network-zones/{zone}/records/{name}", m.updateZoneRecord)
	mux.HandleFunc("PATCH /1.0/network-zones/{zone}/records/{name}", m.updateZoneRecord)
	mux.HandleFunc("POST /1.0/network-zones/{zone}/records/{name}", notImplemented)
	mux.HandleFunc("DELETE /1.0/network-zones/{zone}/records/{name}", m.deleteZoneRecord)
}

// notImplemented is incusd's answer to a rename of a zone or record.
func notImplemented(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotImplemented, "not implemented")
}

// zoneProject is the project holding the zones of the request's project,
// or "" after writing incusd's 404 for a missing project.
func (m *Incus) zoneProject(w http.ResponseWriter, r *http.Request) string {
	name := projectParam(r)
	p, ok := m.projects[name]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load project %q: Project not found", name))
		return ""
	}
	if p.feature("features.networks.zones") {
		return p.name
	}
	return "default"
}

// lookupZone finds a zone of the request's project, or writes the 404s.
func (m *Incus) lookupZone(w http.ResponseWriter, r *http.Request) *mockZone {
	project := m.zoneProject(w, r)
	if project == "" {
		return nil
	}
	z := m.zones[r.PathValue("zone")]
	if z == nil || z.project != project {
		writeError(w, http.StatusNotFound, "Network zone not found")
		return nil
	}
	return z
}

// zoneView is a zone as GET shows it: incusd leaves project empty there
// (it fills it only in an all-projects list).
func (m *Incus) zoneView(z *mockZone, project string) api.NetworkZone {
	out := z.NetworkZone
	out.Config = copyMap(z.Config)
	out.UsedBy = m.zoneUsedBy(z)
	out.Project = project
	return out
}

// zoneUsedBy lists the networks of the zone's project naming it in a
// dns.zone.* key, sorted.
func (m *Incus) zoneUsedBy(z *mockZone) []string {
	out := []string{}
	for _, n := range m.networks {
		if n.projectName() == z.project && networkConfigNames(n, z.Name, zoneKeys...) {
			out = append(out, withProject("/1.0/networks/"+n.name, n.projectName()))
		}
	}
	sort.Strings(out)
	return out
}

func (m *Incus) listZones(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := r.URL.Query().Get("all-projects") == "true"
	project := ""
	if !all {
		if project = m.zoneProject(w, r); project == "" {
			return
		}
	}
	names := make([]string, 0, len(m.zones))
	for n, z := range m.zones {
		if all || z.project == project {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkZone, 0, len(names))
		for _, n := range names {
			z := m.zones[n]
			list = append(list, m.zoneView(z, z.project))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/network-zones/"+n)
	}
	writeSync(w, urls, "")
}

// zoneConfigError is incusd's text (500) for a zone config it refuses.
func zoneConfigError(config map[string]string) string {
	for _, k := range sortedKeys(config) {
		v := config[k]
		switch {
		case k == "dns.nameservers" || strings.HasPrefix(k, "user."):
		case k == "network.nat":
			if !isBool(v) {
				return fmt.Sprintf("Invalid value for config option %q: Invalid value for a boolean %q", k, v)
			}
		case strings.HasPrefix(k, "peers."):
			fields := strings.Split(k, ".")
			if len(fields) != 3 {
				return fmt.Sprintf("Invalid network zone configuration key %q", k)
			}
			switch fields[2] {
			case "key":
			case "address":
				if _, err := netip.ParseAddr(v); v != "" && err != nil {
					return fmt.Sprintf("Invalid value for config option %q: Not an IP address %q", k, v)
				}
			default:
				return fmt.Sprintf("Invalid config option %q", k)
			}
		default:
			return fmt.Sprintf("Invalid config option %q", k)
		}
	}
	return ""
}

func isBool(v string) bool {
	switch strings.ToLower(v) {
	case "", "true", "false", "1", "0", "yes", "no", "on", "off":
		return true
	}
	return false
}

func (m *Incus) createZone(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	project := m.zoneProject(w, r)
	if project == "" {
		return
	}
	var req api.NetworkZonesPost
	if !decode(w, r, &req) {
		return
	}
	if m.zones[req.Name] != nil {
		writeError(w, http.StatusBadRequest, "The network zone already exists")
		return
	}
	if req.Name == "" {
		writeError(w, http.StatusInternalServerError, "Name is required")
		return
	}
	if msg := zoneConfigError(req.Config); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if m.zones == nil {
		m.zones = map[string]*mockZone{}
	}
	m.zones[req.Name] = &mockZone{project: project, records: map[string]*api.NetworkZoneRecord{},
		NetworkZone: api.NetworkZone{Name: req.Name, NetworkZonePut: api.NetworkZonePut{Description: req.Description, Config: copyMap(req.Config)}}}
	writeCreated(w, withProject("/1.0/network-zones/"+req.Name, project), nil)
}

func (m *Incus) getZone(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil {
		return
	}
	writeSync(w, m.zoneView(z, ""), etagOf(z.Writable()))
}

func (m *Incus) updateZone(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil || !ifMatch(w, r, etagOf(z.Writable())) {
		return
	}
	var req api.NetworkZonePut
	if !decode(w, r, &req) {
		return
	}
	if r.Method == http.MethodPatch {
		if req.Config == nil {
			req.Config = map[string]string{}
		}
		for k, v := range z.Config {
			if _, ok := req.Config[k]; !ok {
				req.Config[k] = v
			}
		}
	}
	if msg := zoneConfigError(req.Config); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	z.Description = req.Description
	z.Config = copyMap(req.Config)
	writeEmpty(w)
}

func (m *Incus) deleteZone(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil {
		return
	}
	if len(m.zoneUsedBy(z)) > 0 {
		writeError(w, http.StatusInternalServerError, "Cannot delete a zone that is in use")
		return
	}
	delete(m.zones, z.Name)
	writeEmpty(w)
}

func (m *Incus) listZoneRecords(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil {
		return
	}
	names := make([]string, 0, len(z.records))
	for n := range z.records {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.NetworkZoneRecord, 0, len(names))
		for _, n := range names {
			list = append(list, recordView(z.records[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/network-zones/"+z.Name+"/records/"+n)
	}
	writeSync(w, urls, "")
}

func recordView(rec *api.NetworkZoneRecord) api.NetworkZoneRecord {
	out := *rec
	out.Config = copyMap(rec.Config)
	out.Entries = append([]api.NetworkZoneRecordEntry(nil), rec.Entries...)
	return out
}

// zoneRecordError is incusd's text (500) for a record it refuses: a config
// key (records have none but user.*), then each entry as incusd's DNS
// library parses the line "record TTL IN TYPE VALUE" (column numbers
// included), then duplicates.
func zoneRecordError(put api.NetworkZoneRecordPut) string {
	for _, k := range sortedKeys(put.Config) {
		if !strings.HasPrefix(k, "user.") {
			return fmt.Sprintf("Invalid config option %q", k)
		}
	}
	seen := map[string]bool{}
	for _, e := range put.Entries {
		ttl := e.TTL
		if ttl == 0 {
			ttl = 300
		}
		upTo := len(fmt.Sprintf("record %d IN %s", ttl, e.Type))
		typ := strings.ToUpper(e.Type)
		if !knownRRTypes[typ] {
			return fmt.Sprintf("Bad zone record entry: dns: unknown RR type: %q at line: 1:%d", e.Type, upTo+1)
		}
		if typ == "A" || typ == "AAAA" {
			a, err := netip.ParseAddr(e.Value)
			if err != nil || a.Is4() != (typ == "A") {
				shown, col := e.Value, upTo+1+len(e.Value)
				if e.Value == "" {
					shown, col = "\n", upTo+1
				}
				return fmt.Sprintf("Bad zone record entry: dns: bad %s %s: %q at line: 1:%d", typ, typ, shown, col)
			}
		}
		id := e.Type + "/" + e.Value
		if seen[id] {
			return fmt.Sprintf("Duplicate record for type %q and value %q", e.Type, e.Value)
		}
		seen[id] = true
	}
	return ""
}

// knownRRTypes are the DNS types the fake accepts (incusd accepts every
// type its DNS library knows; these are the common ones).
var knownRRTypes = map[string]bool{
	"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "SRV": true, "NS": true,
	"PTR": true, "CAA": true, "SSHFP": true, "TLSA": true, "NAPTR": true, "HINFO": true,
	"LOC": true, "SPF": true, "URI": true, "DNAME": true, "DS": true, "DNSKEY": true, "SOA": true,
}

func (m *Incus) createZoneRecord(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil {
		return
	}
	var req api.NetworkZoneRecordsPost
	if !decode(w, r, &req) {
		return
	}
	if msg := zoneRecordError(req.NetworkZoneRecordPut); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	if z.records[req.Name] != nil {
		writeError(w, http.StatusInternalServerError, "UNIQUE constraint failed: networks_zones_records.network_zone_id, networks_zones_records.name")
		return
	}
	rec := &api.NetworkZoneRecord{Name: req.Name, NetworkZoneRecordPut: req.NetworkZoneRecordPut}
	rec.Config = copyMap(req.Config)
	z.records[req.Name] = rec
	writeCreated(w, withProject("/1.0/network-zones/"+z.Name+"/records/"+req.Name, z.project), nil)
}

// lookupZoneRecord finds a record, or writes the 404s (of the zone first).
func (m *Incus) lookupZoneRecord(w http.ResponseWriter, r *http.Request) *api.NetworkZoneRecord {
	z := m.lookupZone(w, r)
	if z == nil {
		return nil
	}
	rec := z.records[r.PathValue("name")]
	if rec == nil {
		writeError(w, http.StatusNotFound, "Network zone record not found")
	}
	return rec
}

func (m *Incus) getZoneRecord(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec := m.lookupZoneRecord(w, r)
	if rec == nil {
		return
	}
	writeSync(w, recordView(rec), etagOf(rec.Writable()))
}

func (m *Incus) updateZoneRecord(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec := m.lookupZoneRecord(w, r)
	if rec == nil || !ifMatch(w, r, etagOf(rec.Writable())) {
		return
	}
	var req api.NetworkZoneRecordPut
	if !decode(w, r, &req) {
		return
	}
	if r.Method == http.MethodPatch {
		// incusd's PATCH replaces what the request names and keeps the config keys it does not.
		if req.Config == nil {
			req.Config = map[string]string{}
		}
		for k, v := range rec.Config {
			if _, ok := req.Config[k]; !ok {
				req.Config[k] = v
			}
		}
	}
	if msg := zoneRecordError(req); msg != "" {
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	rec.Description = req.Description
	rec.Config = copyMap(req.Config)
	rec.Entries = append([]api.NetworkZoneRecordEntry(nil), req.Entries...)
	writeEmpty(w)
}

func (m *Incus) deleteZoneRecord(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.lookupZone(w, r)
	if z == nil {
		return
	}
	if z.records[r.PathValue("name")] == nil {
		writeError(w, http.StatusNotFound, "Network zone record not found")
		return
	}
	delete(z.records, r.PathValue("name"))
	writeEmpty(w)
}
