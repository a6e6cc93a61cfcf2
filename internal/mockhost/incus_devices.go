package mockhost

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Device checks of an instance create or update, in incusd 6.0.4's order and
// words (docs-internal/incus-error-texts.md): device types, then every NIC's
// managed network, then the root disk, then each disk being added. The fake's networks (m.networks) are
// both managed networks (nic network=) and host bridges (nic parent=).
// Disks name pools and custom volumes (incus_storage_*.go) that must exist.

var knownDeviceTypes = map[string]bool{
	"disk": true, "nic": true, "none": true, "unix-char": true, "unix-block": true, "unix-hotplug": true,
	"usb": true, "gpu": true, "infiniband": true, "proxy": true, "tpm": true, "pci": true,
}

// deviceCheck is one create or update to check.
type deviceCheck struct {
	profiles []string
	devices  map[string]map[string]string // the instance's own devices, as requested
	// current is the instance before an update (nil on create): only devices
	// that are new or changed get incusd's "add validation", and the root
	// disk may not move to another pool.
	current *mockInstance
	// instType is the instance's type (container or virtual-machine).
	instType string
}

// checkDevices returns incusd's error text for the devices, "" when they are
// valid. A create's texts carry incusd's create prefixes.
func (m *Incus) checkDevices(p *mockProject, c deviceCheck) string {
	create := c.current == nil
	initPrefix := ""
	if create {
		initPrefix = "Failed initializing instance: "
	}
	own := sortedNames(c.devices)
	for _, n := range own {
		if msg := deviceNameError(n); msg != "" {
			return initPrefix + fmt.Sprintf("Invalid devices: Device validation failed for %q: %s", n, msg)
		}
		if t := c.devices[n]["type"]; !knownDeviceTypes[t] {
			if create {
				return fmt.Sprintf("Invalid device type %q", t)
			}
			return fmt.Sprintf("Invalid devices: Device validation failed for %q: Failed loading device %q: Unsupported device type", n, n)
		}
	}
	expanded := m.expandDevices(p, c.profiles, c.devices)
	for _, n := range sortedNames(expanded) {
		d := expanded[n]
		invalid := initPrefix + fmt.Sprintf("Invalid devices: Device validation failed for %q: ", n)
		if d["type"] == "disk" && d["path"] == "/" && d["pool"] == "" {
			return invalid + `Root disk entry must have a "pool" property set`
		}
		if d["type"] == "nic" && d["network"] != "" {
			net, ok := m.networks[d["network"]]
			if !ok {
				return invalid + fmt.Sprintf("Failed loading device %q: Failed to load network %q for project \"default\": Network not found", n, d["network"])
			}
			if msg := net.staticAddressProblem(d); msg != "" {
				return invalid + msg
			}
		}
	}
	rootName, root := rootDisk(expanded)
	switch {
	case root == nil && create:
		return initPrefix + "Failed getting root disk: No root device could be found"
	case root == nil:
		return "Invalid root disk device: No root device could be found"
	case create && m.pools[root["pool"]] == nil:
		return initPrefix + "Failed loading storage pool: Storage pool not found"
	case !create:
		if _, was := rootDisk(m.expandDevices(p, c.current.Profiles, c.current.Devices)); was != nil && was["pool"] != root["pool"] {
			return fmt.Sprintf("Cannot update root disk device pool name to %q", root["pool"])
		}
	}
	for _, n := range sortedNames(expanded) {
		d := expanded[n]
		if d["type"] != "disk" || n == rootName {
			continue
		}
		if !create {
			if old, ok := c.current.Devices[n]; ok && sameDevice(old, d) {
				continue // incusd validates only the devices an update adds or changes
			}
		}
		prefix := initPrefix + fmt.Sprintf("Failed add validation for device %q: ", n)
		switch src, pool := d["source"], d["pool"]; {
		case pool != "" && m.pools[pool] == nil:
			return prefix + fmt.Sprintf("Failed to get storage pool %q: Storage pool not found", pool)
		case pool != "" && src != "":
			vol := m.pools[pool].volumes[m.volumeProjectOf(p).name][src]
			if vol == nil {
				return prefix + "Failed loading custom volume: Storage volume not found"
			}
			if vol.ContentType == "block" && c.instType != string(api.InstanceTypeVM) {
				return prefix + "Custom block volumes cannot be used on containers"
			}
		case strings.HasPrefix(src, "/"):
			if _, err := os.Stat(src); err != nil {
				return prefix + fmt.Sprintf("Missing source path %q for disk %q", src, n)
			}
		}
	}
	return ""
}

// expandDevices is the devices of the profiles, in order, under the instance's own.
func (m *Incus) expandDevices(p *mockProject, profiles []string, own map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, name := range profiles {
		if prof, ok := m.profilesOf(p).profiles[name]; ok {
			for k, v := range prof.Devices {
				out[k] = v
			}
		}
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

func rootDisk(devices map[string]map[string]string) (string, map[string]string) {
	for _, n := range sortedNames(devices) {
		if d := devices[n]; d["type"] == "disk" && d["path"] == "/" {
			return n, d
		}
	}
	return "", nil
}

func sameDevice(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sortedNames(devices map[string]map[string]string) []string {
	names := make([]string, 0, len(devices))
	for n := range devices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
