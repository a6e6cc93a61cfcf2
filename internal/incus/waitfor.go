package incus

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// WaitCondition is something to wait for after an instance starts.
type WaitCondition struct {
	Type  string        // "ipv4", "ipv6", "agent", "ready", "cloud-init" or "delay"
	NIC   string        // for ipv4/ipv6: the interface; "" means any
	Delay time.Duration // for "delay"
}

// WaitFor blocks until every condition holds or ctx ends. Incus has no
// server-side wait for an address, so this reads the instance (with its
// state and expanded devices, one request) with a growing interval (250 ms
// up to 2 s). A condition that cannot come true as the instance is
// configured is an UnsatisfiableError at once, not a wait for the timeout.
func (c *Client) WaitFor(ctx context.Context, s Scope, name string, conds []WaitCondition) error {
	for _, cond := range conds {
		if cond.Type == "delay" {
			select {
			case <-ctx.Done():
				return timeoutFromContext(ctx, fmt.Sprintf("the %s delay after starting instance %q", cond.Delay, name), "")
			case <-time.After(cond.Delay):
			}
			continue
		}
		if cond.Type == "cloud-init" {
			if err := c.waitCloudInit(ctx, s, name); err != nil {
				return err
			}
			continue
		}
		interval := 250 * time.Millisecond
		for {
			inst, err := c.getInstanceFull(ctx, s, name)
			if err != nil {
				if ctx.Err() != nil {
					return timeoutFromContext(ctx, fmt.Sprintf("instance %q to have %s", name, describeCondition(cond)), "")
				}
				return err
			}
			if conditionHolds(cond, inst) {
				break
			}
			if why, hint := cannotHappen(cond, inst); why != "" {
				resolved, _ := c.Resolve(s)
				return &clienterr.UnsatisfiableError{
					Info:       clienterr.Info{Object: instanceObject(resolved, name), Message: why, Hint: hint},
					WaitingFor: fmt.Sprintf("%s to have %s", instanceObject(resolved, name), describeCondition(cond)),
				}
			}
			select {
			case <-ctx.Done():
				return timeoutFromContext(ctx, fmt.Sprintf("instance %q to have %s", name, describeCondition(cond)), observed(cond, inst))
			case <-time.After(interval):
			}
			if interval < 2*time.Second {
				interval *= 2
			}
		}
	}
	return nil
}

func describeCondition(c WaitCondition) string {
	switch c.Type {
	case "ipv4", "ipv6":
		if c.NIC != "" {
			return "a global " + c.Type + " address on " + c.NIC
		}
		return "a global " + c.Type + " address"
	case "agent":
		return "its VM agent running"
	default:
		return "status Ready"
	}
}

func conditionHolds(c WaitCondition, inst *Instance) bool {
	switch c.Type {
	case "ready":
		return inst.Status == "Ready"
	case "agent":
		// A container has processes but no agent.
		return inst.Type == "virtual-machine" && inst.Processes > 0
	case "ipv4", "ipv6":
		for _, ifc := range inst.Interfaces {
			if c.NIC != "" && ifc.Name != c.NIC {
				continue
			}
			if (c.Type == "ipv4" && len(ifc.IPv4) > 0) || (c.Type == "ipv6" && len(ifc.IPv6) > 0) {
				return true
			}
		}
		return false
	}
	return true
}

// cannotHappen says why a condition that does not hold yet never will, and
// what to do; "" when it still may.
func cannotHappen(c WaitCondition, inst *Instance) (why, hint string) {
	if inst.Status == "Stopped" || inst.Status == "Error" {
		return fmt.Sprintf("the instance is %s, so it cannot get there", inst.Status),
			"`incus info --show-log " + inst.Name + "` shows why it stopped."
	}
	switch c.Type {
	case "agent":
		if inst.Type == "container" {
			return "it is a container, and only virtual machines run the Incus agent",
				`Wait for "ready" or an address instead, or make it a virtual machine (type = "virtual-machine").`
		}
	case "ready":
		if inst.ExpandedConfig["security.guestapi"] == "false" {
			return "security.guestapi is false, so the instance has no /dev/incus through which to report Ready",
				"Leave security.guestapi on, or wait for something else."
		}
	case "ipv4", "ipv6":
		nics := nicNames(inst)
		if len(nics) == 0 {
			return fmt.Sprintf("it has no network device: neither its own devices nor those of its profiles (%s) include a nic, so it never gets an address", profileList(inst.Profiles)),
				`Give it a nic device (for example devices = [{ name = "eth0", type = "nic", properties = { network = "<a managed network>" } }]) or a profile with one, or remove this wait_for condition.`
		}
		if c.NIC != "" && inst.Type == "container" && !hasInterface(inst, c.NIC) {
			// Container interface names are known from the devices; a VM's
			// come from its guest, so only the timeout can tell there.
			return fmt.Sprintf("it has no interface named %q; its network interfaces: %s", c.NIC, strings.Join(nics, ", ")),
				"Set nic to one of them, or leave nic out to accept an address on any interface."
		}
	}
	return "", ""
}

// nicNames lists the interfaces the instance's network devices give it, as
// "eth0" or "eth0 (device net0)", sorted.
func nicNames(inst *Instance) []string {
	var out []string
	for dev, props := range inst.ExpandedDevices {
		if props["type"] != "nic" && props["type"] != "infiniband" {
			continue
		}
		ifname := interfaceName(inst, dev)
		if ifname == dev {
			out = append(out, dev)
		} else {
			out = append(out, fmt.Sprintf("%s (device %s)", ifname, dev))
		}
	}
	sort.Strings(out)
	return out
}

// interfaceName is a container's interface name for a network device: its
// `name` property, else the name Incus chose and recorded, else the device's.
func interfaceName(inst *Instance, dev string) string {
	if n := inst.ExpandedDevices[dev]["name"]; n != "" {
		return n
	}
	if n := inst.Config["volatile."+dev+".name"]; n != "" {
		return n
	}
	return dev
}

func hasInterface(inst *Instance, name string) bool {
	for _, ifc := range inst.Interfaces {
		if ifc.Name == name {
			return true
		}
	}
	for dev, props := range inst.ExpandedDevices {
		if (props["type"] == "nic" || props["type"] == "infiniband") && interfaceName(inst, dev) == name {
			return true
		}
	}
	return false
}

func profileList(profiles []string) string {
	if len(profiles) == 0 {
		return "none"
	}
	return strings.Join(profiles, ", ")
}

// observed is the last state seen, for a timeout message: the status, and
// what the condition looks at.
func observed(c WaitCondition, inst *Instance) string {
	seen := "status " + inst.Status
	switch c.Type {
	case "agent":
		return seen + ", the VM agent not answering"
	case "ipv4", "ipv6":
		if len(inst.Interfaces) == 0 {
			return seen + ", no network interface up yet"
		}
		parts := make([]string, 0, len(inst.Interfaces))
		for _, ifc := range inst.Interfaces {
			addrs := append(append([]string{}, ifc.IPv4...), ifc.IPv6...)
			if len(addrs) == 0 {
				parts = append(parts, ifc.Name+" with no global address")
			} else {
				parts = append(parts, ifc.Name+" with "+strings.Join(addrs, ", "))
			}
		}
		return seen + ", interfaces: " + strings.Join(parts, "; ")
	}
	return seen
}
