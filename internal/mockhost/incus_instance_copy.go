package mockhost

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
	"gopkg.in/yaml.v3"
)

// Instances made from other instances, as incusd 6.0.4 makes them
// (cmd/incusd/instances_post.go createFromCopy and createFromBackup,
// cmd/incusd/instance_rebuild.go), with its texts:
//   - POST /1.0/instances with source type "copy": the source in its
//     project (source.project, else the request's), or one of its
//     snapshots ("name/snap");
//   - POST /1.0/instances with Content-Type application/octet-stream: an
//     instance backup tarball (`incus export`), its name in X-Incus-name;
//   - POST /1.0/instances/{name}/rebuild;
//   - and the refusal of an update a running instance cannot take.

func (m *Incus) instanceCopyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /1.0/instances/{name}/rebuild", m.withInstanceProject(func(w http.ResponseWriter, r *http.Request, p *mockProject) {
		inst, ok := p.instances[r.PathValue("name")]
		if !ok {
			writeError(w, http.StatusNotFound, "Failed loading instance: Instance not found")
			return
		}
		m.rebuildInstance(w, r, p, inst)
	}))
}

// copyInstance makes req.Name a copy of req.Source.Source; m.mu is held.
func (m *Incus) copyInstance(w http.ResponseWriter, r *http.Request, p *mockProject, req api.InstancesPost) {
	failWith := failWith(r)
	if msg := instanceNameError(req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if req.Source.Source == "" {
		writeError(w, http.StatusBadRequest, "Must specify a source instance")
		return
	}
	srcProject := req.Source.Project
	if srcProject == "" {
		srcProject = p.name
	}
	srcName, snapName, _ := strings.Cut(req.Source.Source, "/")
	var src *mockInstance
	if sp, ok := m.projects[srcProject]; ok {
		src = sp.instances[srcName]
	}
	if src == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch instance %q in project %q: Instance not found", req.Source.Source, srcProject))
		return
	}
	from := api.InstancePut{Architecture: src.Architecture, Config: src.Config, Devices: src.Devices, Profiles: src.Profiles, Description: src.Description, Ephemeral: src.Ephemeral}
	if snapName != "" {
		snap := m.snapshotsOf(src)[snapName]
		if snap == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch snapshot %q of instance %q in project %q: Instance_snapshot not found", snapName, srcName, srcProject))
			return
		}
		from = api.InstancePut{Architecture: snap.Architecture, Config: snap.Config, Devices: snap.Devices, Profiles: snap.Profiles, Ephemeral: snap.Ephemeral}
	}
	// What the request does not set comes from the source; incusd 6.0.4
	// ignores the request's type and keeps the source's.
	cfg := copyMap(req.Config)
	for k, v := range from.Config {
		if _, set := cfg[k]; set || (strings.HasPrefix(k, "volatile.") && k != "volatile.base_image") {
			continue
		}
		cfg[k] = v
	}
	devices := copyDevices(req.Devices)
	for k, v := range from.Devices {
		if _, set := devices[k]; !set {
			devices[k] = copyMap(v)
		}
	}
	profiles := req.Profiles
	if profiles == nil {
		profiles = append([]string{}, from.Profiles...)
	}
	for _, prof := range profiles {
		if _, ok := m.profilesOf(p).profiles[prof]; !ok {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("Requested profile %q doesn't exist", prof))
			return
		}
	}
	description := req.Description
	if description == "" {
		description = from.Description
	}
	spec := newInstanceSpec{name: req.Name, instType: src.Type, arch: from.Architecture, config: cfg, devices: devices,
		profiles: profiles, description: description, ephemeral: req.Ephemeral}
	res := map[string][]string{"instances": {"/1.0/instances/" + req.Name}}
	mop := m.startOperation(w, "Creating instance", res, failWith, func() string {
		if _, taken := p.instances[req.Name]; taken {
			return `Failed creating instance record: Add instance info to the database: Failed to create "instances" entry: UNIQUE constraint failed: instances.project_id, instances.name`
		}
		if msg := validateConfig(cfg); msg != "" {
			return "Failed creating instance record: " + msg
		}
		inst := m.addInstance(p, spec)
		if req.Start {
			return m.start(p, inst)
		}
		return ""
	})
	mop.partial = func() {
		if _, taken := p.instances[req.Name]; !taken {
			m.addInstance(p, spec)
		}
	}
}

// newInstanceSpec is an instance that a copy or an import adds.
type newInstanceSpec struct {
	name, instType, arch, description string
	config                            map[string]string
	devices                           map[string]map[string]string
	profiles                          []string
	ephemeral                         bool
}

// addInstance adds a stopped instance as incusd's create does: a new UUID
// and a MAC for each NIC; m.mu is held.
func (m *Incus) addInstance(p *mockProject, s newInstanceSpec) *mockInstance {
	cfg := copyMap(s.config)
	cfg["volatile.uuid"] = newUUID()
	expanded := m.expandDevices(p, s.profiles, s.devices)
	for _, name := range sortedNames(expanded) {
		if expanded[name]["type"] == "nic" {
			m.nics++
			cfg["volatile."+name+".hwaddr"] = fmt.Sprintf("10:66:6a:%02x:%02x:%02x", m.nics>>16&0xff, m.nics>>8&0xff, m.nics&0xff)
		}
	}
	inst := &mockInstance{Instance: api.Instance{
		InstancePut: api.InstancePut{
			Architecture: s.arch, Config: cfg, Devices: copyDevices(s.devices),
			Ephemeral: s.ephemeral, Profiles: s.profiles, Description: s.description,
		},
		CreatedAt: time.Now().UTC(), Name: s.name, Type: s.instType, Location: "none", Project: p.name,
	}}
	p.instances[s.name] = inst
	return inst
}

// backupIndex is backup/index.yaml of an instance backup, the part incusd
// reads to import it (internal/server/backup/backup_info.go).
type backupIndex struct {
	Name   string `yaml:"name"`
	Type   string `yaml:"type"`
	Config *struct {
		Container *api.Instance `yaml:"container"`
	} `yaml:"config"`
}

// importBackup restores an instance backup streamed in the request body;
// m.mu is held.
func (m *Incus) importBackup(w http.ResponseWriter, r *http.Request, p *mockProject) {
	failWith := failWith(r)
	index, status, msg := readBackupIndex(r.Body)
	if msg != "" {
		writeError(w, status, msg)
		return
	}
	if index.Config == nil || index.Config.Container == nil {
		writeError(w, http.StatusBadRequest, "Backup file is missing required information")
		return
	}
	name := index.Name
	if override := r.Header.Get("X-Incus-name"); override != "" {
		name = override
	}
	c := index.Config.Container
	instType := c.Type
	if instType == "" {
		instType = index.Type
	}
	if instType == "" {
		instType = string(api.InstanceTypeContainer)
	}
	cfg := map[string]string{}
	for k, v := range c.Config {
		if !strings.HasPrefix(k, "volatile.") || k == "volatile.base_image" {
			cfg[k] = v
		}
	}
	profiles := []string{}
	for _, prof := range c.Profiles {
		if _, ok := m.profilesOf(p).profiles[prof]; ok {
			profiles = append(profiles, prof) // incusd drops profiles the project lacks
		}
	}
	spec := newInstanceSpec{name: name, instType: instType, arch: c.Architecture, config: cfg, devices: c.Devices,
		profiles: profiles, description: c.Description, ephemeral: c.Ephemeral}
	res := map[string][]string{"instances": {"/1.0/instances/" + name}}
	mop := m.startOperation(w, "Restoring backup", res, failWith, func() string {
		if _, taken := p.instances[name]; taken {
			return "Create instance from backup: Cannot restore volume, already exists on target"
		}
		m.addInstance(p, spec)
		return ""
	})
	mop.partial = func() {
		if _, taken := p.instances[name]; !taken {
			m.addInstance(p, spec)
		}
	}
}

// readBackupIndex reads backup/index.yaml out of a (gzip-compressed or
// plain) tarball, streaming; on failure it returns incusd's status and text.
func readBackupIndex(body io.Reader) (*backupIndex, int, string) {
	br := bufio.NewReaderSize(body, 1024)
	head, _ := br.Peek(512)
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, http.StatusBadRequest, "Error reading backup file info: " + err.Error()
		}
		in = gz
	case len(head) >= 262 && string(head[257:262]) == "ustar":
	default:
		return nil, http.StatusInternalServerError, "Unsupported compression"
	}
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, http.StatusBadRequest, `Backup is missing at "backup/index.yaml"`
		}
		if err != nil {
			return nil, http.StatusBadRequest, "Error reading backup file info: " + err.Error()
		}
		if hdr.Name != "backup/index.yaml" {
			continue
		}
		var idx backupIndex
		if err := yaml.NewDecoder(tr).Decode(&idx); err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
		_, _ = io.Copy(io.Discard, in) // incusd stores the whole upload
		return &idx, 0, ""
	}
}

// rebuildInstance swaps a stopped instance's root file system for an
// image's (or an empty one: source type "none"); m.mu is held.
func (m *Incus) rebuildInstance(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	failWith := failWith(r)
	var req api.InstanceRebuildPost
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if inst.running {
		writeError(w, http.StatusBadRequest, "Instance must be stopped to be rebuilt")
		return
	}
	var img *api.Image
	switch {
	case req.Source.Type == "none":
	case req.Source.Server != "":
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("Failed getting remote image info: the mock host cannot download images from %s", req.Source.Server))
		return
	case req.Source.Alias != "":
		if fp, ok := m.aliases[req.Source.Alias]; ok {
			img = m.images[fp]
		}
	case req.Source.Fingerprint != "":
		img = m.findImage(req.Source.Fingerprint)
	}
	res := map[string][]string{"instances": {"/1.0/instances/" + inst.Name}}
	m.startOperation(w, "Rebuilding instance", res, failWith, func() string {
		if img == nil && req.Source.Type != "none" {
			return "Image not provided for instance rebuild" // the operation fails
		}
		for k := range inst.Config {
			if strings.HasPrefix(k, "image.") || k == "volatile.base_image" {
				delete(inst.Config, k)
			}
		}
		if img != nil {
			for k, v := range img.Properties {
				inst.Config["image."+k] = v
			}
			inst.Config["volatile.base_image"] = img.Fingerprint
			inst.Architecture = img.Architecture
		}
		return ""
	})
}

// vmLiveKeys are the VM config keys incusd 6.0.4 changes on a running VM
// (internal/server/instance/drivers/driver_qemu.go Update); containers
// take every key live.
var (
	vmLiveKeys     = map[string]bool{"limits.memory": true, "security.protection.delete": true, "security.guestapi": true, "security.secureboot": true, "limits.cpu": true}
	vmLivePrefixes = []string{"boot.", "cloud-init.", "environment.", "image.", "snapshots.", "user.", "volatile."}
)

// runningRefusal is incusd's refusal of an update that the running inst
// cannot take: a device that cannot be hot-plugged (an ipvlan NIC) added or
// removed, or, for a VM, a key outside the live-update list changed.
func runningRefusal(inst *mockInstance, put api.InstancePut) string {
	if !inst.running {
		return ""
	}
	for _, name := range sortedNames(put.Devices) {
		if _, had := inst.Devices[name]; !had && coldPlugOnly(put.Devices[name]) {
			return fmt.Sprintf("Failed to add device %q: Device cannot be added when instance is running", name)
		}
	}
	for _, name := range sortedNames(inst.Devices) {
		if _, kept := put.Devices[name]; !kept && coldPlugOnly(inst.Devices[name]) {
			return fmt.Sprintf("Failed to remove device %q: Device cannot be removed when instance is running", name)
		}
	}
	if inst.Type != string(api.InstanceTypeVM) {
		return ""
	}
	keys := map[string]map[string]string{}
	for k := range put.Config {
		keys[k] = nil
	}
	for k := range inst.Config {
		keys[k] = nil
	}
	for _, k := range sortedNames(keys) {
		if put.Config[k] == inst.Config[k] || vmLiveKeys[k] {
			continue
		}
		live := false
		for _, p := range vmLivePrefixes {
			live = live || strings.HasPrefix(k, p)
		}
		if !live {
			return fmt.Sprintf("Key %q cannot be updated when VM is running", k)
		}
	}
	return ""
}

// coldPlugOnly: devices that incusd cannot hot-plug into a container
// (internal/server/device/nic_ipvlan.go CanHotPlug).
func coldPlugOnly(d map[string]string) bool {
	return d["type"] == "nic" && d["nictype"] == "ipvlan"
}
