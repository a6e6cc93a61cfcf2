package incus

import (
	"context"
	"fmt"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// WaitCondition is something to wait for after an instance starts.
type WaitCondition struct {
	Type  string        // "ipv4", "ipv6", "agent", "ready" or "delay"
	NIC   string        // for ipv4/ipv6: the interface; "" means any
	Delay time.Duration // for "delay"
}

// WaitFor blocks until every condition holds or ctx ends. Incus has no
// server-side wait for an address, so this reads the instance state with a
// growing interval (250 ms up to 2 s).
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
		interval := 250 * time.Millisecond
		last := ""
		for {
			st, err := c.getState(ctx, s, name)
			if err != nil {
				return err
			}
			ok, seen := conditionHolds(cond, st)
			if ok {
				break
			}
			last = seen
			select {
			case <-ctx.Done():
				return timeoutFromContext(ctx, fmt.Sprintf("instance %q to have %s", name, describeCondition(cond)), last)
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
			return "an " + c.Type + " address on " + c.NIC
		}
		return "an " + c.Type + " address"
	case "agent":
		return "its VM agent running"
	default:
		return "status Ready"
	}
}

func conditionHolds(c WaitCondition, st *api.InstanceState) (bool, string) {
	seen := "status " + st.Status
	switch c.Type {
	case "ready":
		return st.Status == "Ready", seen
	case "agent":
		return st.Processes > 0, fmt.Sprintf("%s, %d processes", seen, st.Processes)
	case "ipv4", "ipv6":
		family := "inet"
		if c.Type == "ipv6" {
			family = "inet6"
		}
		for name, n := range st.Network {
			if name == "lo" || (c.NIC != "" && name != c.NIC) {
				continue
			}
			for _, a := range n.Addresses {
				if a.Family == family && a.Scope == "global" {
					return true, seen
				}
			}
		}
		return false, seen + ", no global " + c.Type + " address yet"
	}
	return true, seen
}
