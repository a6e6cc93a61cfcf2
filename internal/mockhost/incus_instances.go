package mockhost

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// knownConfigKeys are the instance config keys the fake accepts besides the
// free-form prefixes below; anything else is refused as incusd refuses it.
var knownConfigKeys = map[string]bool{
	"boot.autostart": true, "boot.autostart.delay": true, "boot.autostart.priority": true,
	"boot.host_shutdown_timeout": true, "boot.stop.priority": true,
	"limits.cpu": true, "limits.cpu.allowance": true, "limits.cpu.priority": true,
	"limits.memory": true, "limits.memory.swap": true, "limits.memory.enforce": true, "limits.processes": true,
	"security.privileged": true, "security.nesting": true, "security.protection.delete": true,
	"security.secureboot": true, "security.idmap.isolated": true,
	"snapshots.schedule": true, "snapshots.expiry": true, "snapshots.pattern": true,
	"raw.lxc": true, "raw.qemu": true, "raw.idmap": true, "linux.kernel_modules": true,
	"cloud-init.user-data": true, "cloud-init.vendor-data": true, "cloud-init.network-config": true,
	"migration.stateful": true, "agent.nic_config": true, "security.guestapi": true,
}

var freeConfigPrefixes = []string{"user.", "environment.", "volatile.", "image."}

func validateConfig(cfg map[string]string) string {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if knownConfigKeys[k] {
			continue
		}
		free := false
		for _, p := range freeConfigPrefixes {
			if strings.HasPrefix(k, p) {
				free = true
			}
		}
		if !free {
			return "Unknown configuration key: " + k
		}
	}
	return ""
}

func (m *Incus) instanceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/instances", m.withInstanceProject(m.listInstances))
	mux.HandleFunc("POST /1.0/instances", m.withInstanceProject(m.createInstance))
	mux.HandleFunc("GET /1.0/instances/{name}", m.withInstance(m.getInstance))
	mux.HandleFunc("PUT /1.0/instances/{name}", m.withInstance(m.updateInstance))
	mux.HandleFunc("PATCH /1.0/instances/{name}", m.withInstance(m.updateInstance))
	mux.HandleFunc("POST /1.0/instances/{name}", m.withInstance(m.renameInstance))
	mux.HandleFunc("DELETE /1.0/instances/{name}", m.withInstance(m.deleteInstance))
	mux.HandleFunc("GET /1.0/instances/{name}/state", m.withInstance(func(w http.ResponseWriter, _ *http.Request, _ *mockProject, inst *mockInstance) {
		writeSync(w, m.stateOf(inst), "")
	}))
	mux.HandleFunc("PUT /1.0/instances/{name}/state", m.withInstance(func(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
		m.changeState(w, r, inst, failWith(r))
	}))
	m.instanceFileRoutes(mux)
	m.instanceExecRoutes(mux)
	m.instanceCopyRoutes(mux)
}

// withInstanceProject runs h on the request's project with m.mu held; a
// missing project lists empty and refuses a create, as incusd does.
func (m *Incus) withInstanceProject(h func(http.ResponseWriter, *http.Request, *mockProject)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		p, ok := m.projects[projectParam(r)]
		switch {
		case ok:
			h(w, r, p)
		case r.Method == http.MethodGet:
			writeSync(w, []string{}, "") // incusd lists an empty project, not an error
		default:
			writeError(w, http.StatusNotFound, "Failed loading project: Project not found")
		}
	}
}

// withInstance runs h on the instance of the path with m.mu held, or
// writes incusd's 404s.
func (m *Incus) withInstance(h func(http.ResponseWriter, *http.Request, *mockProject, *mockInstance)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		project := projectParam(r)
		p := m.lookupProject(w, project)
		if p == nil {
			return
		}
		name := r.PathValue("name")
		inst, ok := p.instances[name]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch instance %q in project %q: Instance not found", name, project))
			return
		}
		h(w, r, p, inst)
	}
}

func (m *Incus) getInstance(w http.ResponseWriter, r *http.Request, p *mockProject, inst *mockInstance) {
	etag := etagOf(inst.Writable())
	if r.URL.Query().Get("recursion") != "" {
		full := api.InstanceFull{Instance: m.expanded(p, inst), State: m.stateOf(inst), Snapshots: []api.InstanceSnapshot{}, Backups: []api.InstanceBackup{}}
		writeSync(w, full, `"`+etag+`"`)
		return
	}
	writeSync(w, m.expanded(p, inst), `"`+etag+`"`)
}

func (m *Incus) updateInstance(w http.ResponseWriter, r *http.Request, p *mockProject, inst *mockInstance) {
	res := map[string][]string{"instances": {"/1.0/instances/" + inst.Name}}
	failWith := failWith(r)
	if match := strings.Trim(r.Header.Get("If-Match"), `"`); match != "" {
		if cur := etagOf(inst.Writable()); match != cur {
			writeError(w, http.StatusPreconditionFailed, fmt.Sprintf("ETag doesn't match: %s vs %s", cur, match))
			return
		}
	}
	var put api.InstancePut
	if err := json.NewDecoder(r.Body).Decode(&put); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.Method == http.MethodPatch {
		merged := inst.Writable()
		merged.Config, merged.Devices = copyMap(inst.Config), copyDevices(inst.Devices)
		for k, v := range put.Config {
			merged.Config[k] = v
		}
		for k, v := range put.Devices {
			merged.Devices[k] = v
		}
		if put.Profiles != nil {
			merged.Profiles = put.Profiles
		}
		if put.Description != "" {
			merged.Description = put.Description
		}
		put = merged
	}
	for _, prof := range put.Profiles {
		if _, ok := m.profilesOf(p).profiles[prof]; !ok {
			writeError(w, http.StatusNotFound, "Profile not found") // an update does not say which
			return
		}
	}
	work := func() string {
		if msg := validateConfig(put.Config); msg != "" {
			return "Invalid config: " + msg
		}
		profiles := put.Profiles
		if profiles == nil {
			profiles = inst.Profiles
		}
		if msg := m.checkDevices(p, deviceCheck{profiles: profiles, devices: put.Devices, current: inst, instType: inst.Type}); msg != "" {
			return msg
		}
		if msg := runningRefusal(inst, put); msg != "" {
			return msg // incus_instance_copy.go
		}
		// Incus keeps its own volatile keys across a PUT.
		cfg := map[string]string{}
		for k, v := range inst.Config {
			if strings.HasPrefix(k, "volatile.") {
				cfg[k] = v
			}
		}
		for k, v := range put.Config {
			cfg[k] = v
		}
		inst.Config = cfg
		inst.Devices = copyDevices(put.Devices)
		if put.Profiles != nil {
			inst.Profiles = put.Profiles
		}
		inst.Description = put.Description
		inst.Ephemeral = put.Ephemeral
		return ""
	}
	if r.Method == http.MethodPatch {
		// incusd 6.0.4 applies a PATCH synchronously: 200, or the error
		// with 404 when something named is missing.
		msg := failWith
		if msg == "" {
			msg = work()
		}
		switch {
		case msg == "":
			writeEmpty(w)
		case strings.HasSuffix(msg, " not found"):
			writeError(w, http.StatusNotFound, msg)
		default:
			writeError(w, http.StatusInternalServerError, msg)
		}
		return
	}
	m.startOperation(w, "Updating instance", res, failWith, work)
}

func (m *Incus) renameInstance(w http.ResponseWriter, r *http.Request, p *mockProject, inst *mockInstance) {
	res := map[string][]string{"instances": {"/1.0/instances/" + inst.Name}}
	failWith := failWith(r)
	var req api.InstancePost
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if msg := instanceNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if _, taken := p.instances[req.Name]; taken {
		writeError(w, http.StatusConflict, fmt.Sprintf("Name %q already in use", req.Name))
		return
	}
	m.startOperation(w, "Renaming instance", res, failWith, func() string {
		if inst.running {
			return "Renaming of running instance not allowed"
		}
		if _, taken := p.instances[req.Name]; taken {
			return fmt.Sprintf("Name %q already in use", req.Name)
		}
		delete(p.instances, inst.Name)
		inst.Name = req.Name
		p.instances[req.Name] = inst
		return ""
	})
}

func (m *Incus) deleteInstance(w http.ResponseWriter, r *http.Request, p *mockProject, inst *mockInstance) {
	res := map[string][]string{"instances": {"/1.0/instances/" + inst.Name}}
	failWith := failWith(r)
	if inst.running {
		writeError(w, http.StatusBadRequest, "Instance is running")
		return
	}
	m.startOperation(w, "Deleting instance", res, failWith, func() string {
		delete(p.instances, inst.Name)
		m.freeLeases(inst)
		return ""
	})
}

func (m *Incus) listInstances(w http.ResponseWriter, r *http.Request, p *mockProject) {
	names := make([]string, 0, len(p.instances))
	for n := range p.instances {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.Instance, 0, len(names))
		for _, n := range names {
			list = append(list, m.expanded(p, p.instances[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, "/1.0/instances/"+n)
	}
	writeSync(w, urls, "")
}

func (m *Incus) createInstance(w http.ResponseWriter, r *http.Request, p *mockProject) {
	project, failWith := p.name, failWith(r)
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		m.importBackup(w, r, p) // incus_instance_copy.go
		return
	}
	var req api.InstancesPost
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Source.Type == "copy" {
		m.copyInstance(w, r, p, req) // incus_instance_copy.go
		return
	}
	if msg := instanceNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if req.Type == "" {
		req.Type = api.InstanceTypeContainer
	}
	if req.Type != api.InstanceTypeContainer && req.Type != api.InstanceTypeVM {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid instance type %q", req.Type))
		return
	}
	location, msg, status := m.instanceTarget(r.URL.Query().Get("target"))
	if msg != "" {
		writeError(w, status, msg)
		return
	}
	profiles := req.Profiles
	if profiles == nil {
		profiles = []string{"default"}
	}
	for _, prof := range profiles {
		if _, ok := m.profilesOf(p).profiles[prof]; !ok {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Requested profile %q doesn't exist", prof))
			return
		}
	}
	res := map[string][]string{"instances": {"/1.0/instances/" + req.Name}}
	// create makes the instance and, when asked and started is set, starts
	// it; a daemon that dies half way has made it without starting it.
	create := func(started bool) string {
		var img *api.Image
		switch {
		case req.Source.Server != "":
			return fmt.Sprintf("Failed getting remote image info: the mock host cannot download images from %s", req.Source.Server)
		case req.Source.Alias != "":
			if fp, ok := m.aliases[req.Source.Alias]; ok {
				img = m.images[fp]
			}
		case req.Source.Fingerprint != "":
			img = m.findImage(req.Source.Fingerprint)
		}
		if img == nil {
			return "Image not provided for instance creation"
		}
		if _, taken := p.instances[req.Name]; taken {
			return `Failed creating instance record: Add instance info to the database: Failed to create "instances" entry: UNIQUE constraint failed: instances.project_id, instances.name`
		}
		if msg := validateConfig(req.Config); msg != "" {
			return "Failed creating instance record: " + msg
		}
		if msg := m.checkDevices(p, deviceCheck{profiles: profiles, devices: req.Devices, instType: string(req.Type)}); msg != "" {
			return "Failed creating instance record: " + msg
		}
		cfg := map[string]string{}
		for k, v := range req.Config {
			cfg[k] = v
		}
		for k, v := range img.Properties {
			cfg["image."+k] = v
		}
		cfg["volatile.base_image"] = img.Fingerprint
		cfg["volatile.uuid"] = newUUID()
		devices := copyDevices(req.Devices)
		// Like incusd, every NIC (the profiles' too) gets its own MAC.
		expanded := m.expandDevices(p, profiles, devices)
		for _, name := range sortedNames(expanded) {
			if expanded[name]["type"] == "nic" {
				m.nics++
				cfg["volatile."+name+".hwaddr"] = fmt.Sprintf("10:66:6a:%02x:%02x:%02x", m.nics>>16&0xff, m.nics>>8&0xff, m.nics&0xff)
			}
		}
		inst := &mockInstance{Instance: api.Instance{
			InstancePut: api.InstancePut{
				Architecture: img.Architecture, Config: cfg, Devices: devices,
				Ephemeral: req.Ephemeral, Profiles: profiles, Description: req.Description,
			},
			CreatedAt: time.Now().UTC(), Name: req.Name, Type: string(req.Type),
			Location: location, Project: project,
		}}
		p.instances[req.Name] = inst
		if req.Start && started {
			return m.start(p, inst)
		}
		return ""
	}
	mop := m.startOperation(w, "Creating instance", res, failWith, func() string { return create(true) })
	mop.partial = func() { create(false) }
}

// start starts an instance like incusd: every NIC's parent must exist.
func (m *Incus) start(p *mockProject, inst *mockInstance) string {
	full := m.expanded(p, inst)
	names := make([]string, 0, len(full.ExpandedDevices))
	for n := range full.ExpandedDevices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := full.ExpandedDevices[n]
		if d["type"] == "nic" && d["parent"] != "" {
			if _, ok := m.networks[d["parent"]]; !ok {
				return fmt.Sprintf("Failed to start device %q: Parent device %q doesn't exist", n, d["parent"])
			}
		}
	}
	inst.running = true
	m.syncLeases(inst, full.ExpandedDevices)
	return ""
}

func (m *Incus) changeState(w http.ResponseWriter, r *http.Request, inst *mockInstance, failWith string) {
	var req api.InstanceStatePut
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	descriptions := map[string]string{"start": "Starting instance", "stop": "Stopping instance", "restart": "Restarting instance", "freeze": "Freezing instance", "unfreeze": "Unfreezing instance"}
	desc, ok := descriptions[req.Action]
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown action %s", req.Action))
		return
	}
	p := m.projects[inst.Project]
	res := map[string][]string{"instances": {"/1.0/instances/" + inst.Name}}
	m.startOperation(w, desc, res, failWith, func() string {
		switch req.Action {
		case "start":
			if inst.running {
				return "The instance is already running"
			}
			return m.start(p, inst)
		case "stop":
			if !inst.running {
				return "The instance is already stopped"
			}
			inst.running, inst.frozen = false, false
			if inst.Ephemeral {
				delete(p.instances, inst.Name)
				m.freeLeases(inst)
			}
		case "restart":
			if !inst.running {
				return "The instance isn't running"
			}
		case "freeze":
			if !inst.running || inst.frozen {
				return "The instance isn't running"
			}
			inst.frozen = true
		case "unfreeze":
			if !inst.frozen {
				return "The instance isn't frozen"
			}
			inst.frozen = false
		}
		return ""
	})
}

// expanded returns the API view of an instance with profiles applied.
func (m *Incus) expanded(p *mockProject, inst *mockInstance) api.Instance {
	out := inst.Instance
	out.Config = copyMap(inst.Config)
	out.Devices = copyDevices(inst.Devices)
	out.Profiles = append([]string{}, inst.Profiles...)
	out.ExpandedConfig = map[string]string{}
	out.ExpandedDevices = map[string]map[string]string{}
	for _, name := range inst.Profiles {
		if prof, ok := m.profilesOf(p).profiles[name]; ok {
			for k, v := range prof.Config {
				out.ExpandedConfig[k] = v
			}
			for k, v := range prof.Devices {
				out.ExpandedDevices[k] = copyMap(v)
			}
		}
	}
	for k, v := range inst.Config {
		out.ExpandedConfig[k] = v
	}
	for k, v := range inst.Devices {
		out.ExpandedDevices[k] = copyMap(v)
	}
	out.Status, out.StatusCode = "Stopped", api.Stopped
	switch {
	case inst.frozen:
		out.Status, out.StatusCode = "Frozen", api.Frozen
	case inst.running:
		out.Status, out.StatusCode = "Running", api.Running
	}
	return out
}

func (m *Incus) stateOf(inst *mockInstance) *api.InstanceState {
	st := &api.InstanceState{Status: "Stopped", StatusCode: api.Stopped, Processes: 0,
		Network: map[string]api.InstanceStateNetwork{}}
	if !inst.running {
		return st
	}
	st.Status, st.StatusCode, st.Processes, st.Pid = "Running", api.Running, 1, 4242
	if inst.frozen {
		st.Status, st.StatusCode = "Frozen", api.Frozen
	}
	st.Network["lo"] = api.InstanceStateNetwork{Type: "loopback", State: "up", Mtu: 65536,
		Addresses: []api.InstanceStateNetworkAddress{{Family: "inet", Address: "127.0.0.1", Netmask: "8", Scope: "local"}}}
	p := m.projects[inst.Project]
	full := m.expanded(p, inst)
	m.syncLeases(inst, full.ExpandedDevices) // a NIC added while running
	for n, d := range full.ExpandedDevices {
		if d["type"] != "nic" {
			continue
		}
		ifname := d["name"]
		if ifname == "" {
			ifname = n
		}
		addrs := []api.InstanceStateNetworkAddress{}
		if l, ok := inst.leases[n]; ok {
			for _, a := range m.networks[l.network].addresses(l.host) {
				addrs = append(addrs, api.InstanceStateNetworkAddress{Family: a.family, Address: a.addr.String(), Netmask: fmt.Sprint(a.bits), Scope: "global"})
			}
		}
		st.Network[ifname] = api.InstanceStateNetwork{
			Type: "broadcast", State: "up", Mtu: 1500, Hwaddr: full.Config["volatile."+n+".hwaddr"], Addresses: addrs,
		}
	}
	return st
}

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func copyDevices(in map[string]map[string]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(in))
	for k, v := range in {
		out[k] = copyMap(v)
	}
	return out
}
