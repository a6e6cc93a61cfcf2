package incus

import (
	"strings"
	"testing"
)

// What cannot come true is told apart from what has not come true yet.
func TestCannotHappen(t *testing.T) {
	running := func(typ string, devices map[string]map[string]string, ifaces ...Interface) *Instance {
		return &Instance{Name: "web", Type: typ, Status: "Running", Profiles: []string{"default"},
			Config: map[string]string{}, ExpandedConfig: map[string]string{}, ExpandedDevices: devices, Interfaces: ifaces, Processes: 2}
	}
	root := map[string]map[string]string{"root": {"type": "disk", "path": "/", "pool": "default"}}
	nic := map[string]map[string]string{"net0": {"type": "nic", "network": "incusbr0", "name": "eth0"}}
	vmNIC := map[string]map[string]string{"eth0": {"type": "nic", "network": "incusbr0"}}
	noGuestAPI := running("container", root)
	noGuestAPI.ExpandedConfig["security.guestapi"] = "false"
	stopped := running("container", nic)
	stopped.Status = "Stopped"
	cases := []struct {
		name string
		cond WaitCondition
		inst *Instance
		want string // "" when it may still happen
	}{
		{"no NIC", WaitCondition{Type: "ipv4"}, running("container", root), "no network device"},
		{"NIC, no address yet", WaitCondition{Type: "ipv6"}, running("container", nic), ""},
		{"named interface", WaitCondition{Type: "ipv4", NIC: "eth0"}, running("container", nic), ""},
		{"no such interface", WaitCondition{Type: "ipv4", NIC: "eth1"}, running("container", nic), `no interface named "eth1"; its network interfaces: eth0 (device net0)`},
		{"a VM's interface names come from its guest", WaitCondition{Type: "ipv4", NIC: "enp5s0"}, running("virtual-machine", vmNIC), ""},
		{"agent in a container", WaitCondition{Type: "agent"}, running("container", root), "only virtual machines"},
		{"agent in a VM", WaitCondition{Type: "agent"}, running("virtual-machine", root), ""},
		{"ready", WaitCondition{Type: "ready"}, running("container", root), ""},
		{"ready without /dev/incus", WaitCondition{Type: "ready"}, noGuestAPI, "security.guestapi is false"},
		{"stopped", WaitCondition{Type: "ipv4"}, stopped, "the instance is Stopped"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			why, hint := cannotHappen(tc.cond, tc.inst)
			switch {
			case tc.want == "" && why != "":
				t.Errorf("said it cannot happen: %s", why)
			case tc.want != "" && !strings.Contains(why, tc.want):
				t.Errorf("why = %q, want it to contain %q", why, tc.want)
			case tc.want != "" && hint == "":
				t.Errorf("no advice for %q", why)
			}
		})
	}
}

// A container has processes but never an agent.
func TestAgentHoldsOnlyForVMs(t *testing.T) {
	if conditionHolds(WaitCondition{Type: "agent"}, &Instance{Type: "container", Status: "Running", Processes: 3}) {
		t.Error("a container's processes counted as its VM agent")
	}
	if !conditionHolds(WaitCondition{Type: "agent"}, &Instance{Type: "virtual-machine", Status: "Running", Processes: 3}) {
		t.Error("a VM with a running agent did not count")
	}
}
