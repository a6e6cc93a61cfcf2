package incus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// NetworkPut is what can change on a network.
type NetworkPut struct {
	Description string
	Config      map[string]string
}

// Network is an Incus network. With Scope.Target set, Config is that
// cluster member's config.
type Network struct {
	Name string
	NetworkPut
	Type    string // bridge, macvlan, sriov, ovn, physical (loopback and others for unmanaged ones)
	Managed bool
	Status  string
	Project string
	UsedBy  []string
	ETag    string
}

// NetworkSpec is what CreateNetwork sends.
type NetworkSpec struct {
	Name string
	Type string // "" is incusd's default, bridge
	NetworkPut
}

func networkObject(s Scope, name string) string {
	if s.Target != "" {
		return fmt.Sprintf("network %q (project %q, remote %q, member %q)", name, s.Project, s.Remote, s.Target)
	}
	return fmt.Sprintf("network %q (project %q, remote %q)", name, s.Project, s.Remote)
}

// GetNetwork reads a network with its ETag in one request.
func (c *Client) GetNetwork(ctx context.Context, s Scope, name string) (*Network, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	n, etag, err := get(ctx, networkObject(s, name), address, func() (*api.Network, string, error) {
		return srv.GetNetwork(name)
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	out := &Network{
		Name:       n.Name,
		NetworkPut: NetworkPut{Description: n.Description, Config: copyConfig(n.Config)},
		Type:       n.Type,
		Managed:    n.Managed,
		Status:     n.Status,
		Project:    n.Project,
		UsedBy:     sortedCopy(n.UsedBy),
		ETag:       etag,
	}
	if out.Project == "" {
		out.Project = s.Project
	}
	return out, nil
}

// CreateNetwork creates a network (one request). In a cluster, a network is
// first defined on each member (s.Target set, member config such as
// bridge.external_interfaces or parent), then created once without a
// target. A taken name (409 `Network "x" already exists`) is a Conflict
// naming the import ID.
func (c *Client) CreateNetwork(ctx context.Context, s Scope, spec NetworkSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworksPost{Name: spec.Name, Type: spec.Type, NetworkPut: networkPut(spec.NetworkPut)}
	err = mutate(ctx, "the create request", networkObject(s, spec.Name), address, func() error {
		return srv.CreateNetwork(req)
	})
	return taken(blameObject(err, s, "", ""), ImportID(s, spec.Name))
}

// UpdateNetwork replaces a network's description and config (a member's
// config with s.Target), guarded by etag when it is not empty.
func (c *Client) UpdateNetwork(ctx context.Context, s Scope, name string, put NetworkPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", networkObject(s, name), address, func() error {
		return srv.UpdateNetwork(name, networkPut(put), etag)
	})
	return blameObject(err, s, "", "")
}

// RenameNetwork renames a network in place. incusd refuses to rename a
// network that instances or profiles use (400 "Network is currently in
// use"): a Conflict listing them. A taken name is a Conflict naming its
// import ID.
func (c *Client) RenameNetwork(ctx context.Context, s Scope, from, to string) error {
	s.Target = "" // on the whole cluster at once
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", networkObject(s, from), address, func() error {
		return srv.RenameNetwork(from, api.NetworkPost{Name: to})
	})
	err = taken(blameObject(err, s, "", ""), ImportID(s, to))
	text, info, _ := serverText(err)
	if text == "" || !renameInUse.MatchString(text) {
		return err
	}
	out := &clienterr.ConflictError{Info: *info}
	out.Err = err
	if n, gerr := c.GetNetwork(ctx, s, from); gerr == nil {
		out.UsedBy = n.UsedBy
	}
	out.Message = "incusd refuses to rename a network in use (" + text + ")"
	if len(out.UsedBy) > 0 {
		out.Message = fmt.Sprintf("it is used by %s, and incusd refuses to rename a network in use (%s)", describeAll(out.UsedBy), text)
	}
	out.Hint = "Detach it from what uses it first (or keep the name: a new name that must take effect now needs a new network, which `create_before_destroy` cannot do while the old one is in use), then apply again."
	return out
}

// renameInUse: POST /1.0/networks/{name} (400) for a network with NICs or
// profiles on it, incusd 6.0.4.
var renameInUse = regexp.MustCompile(`^Network is currently in use$`)

// DeleteNetwork deletes a network. One still used by instances or profiles
// is a Conflict listing them (UsedBy); a missing one is NotFound.
func (c *Client) DeleteNetwork(ctx context.Context, s Scope, name string) error {
	s.Target = "" // on the whole cluster at once
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", networkObject(s, name), address, func() error {
		// `terraform destroy` of several bridges sends their deletes at once.
		return retryRace(ctx, bridgeScanRace, func() error { return srv.DeleteNetwork(name) })
	})
	return refusedInUse(ctx, blameObject(err, s, "", ""), func(ctx context.Context) ([]string, error) {
		n, err := c.GetNetwork(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return n.UsedBy, nil
	})
}

// incusd 6.0.4's texts for every object of a network (forwards, load
// balancers, peers; docs-internal/incus-error-texts.md):
//   - any request, network missing or unmanaged (404): "Failed loading network: Network not found"
//   - any request on a network type without such objects (400):
//     `Network driver "bridge" does not support load balancers` (forwards, peering)
var (
	networkMissingText = regexp.MustCompile(`^Failed loading network: Network not found$`)
	unsupportedText    = regexp.MustCompile(`^Network driver "([^"]+)" does not support (forwards|load balancers|peering)$`)
)

// networkTypesFor is, per object kind in incusd's text, the networks that
// have it.
var networkTypesFor = map[string]string{
	"forwards":       "Incus makes forwards only on a managed bridge or OVN network",
	"load balancers": `Incus makes load balancers only on an OVN network (type "ovn")`,
	"peering":        `only OVN networks (type "ovn") have peers`,
}

// blameNetworkParent is blameObject for an object of a network: a missing
// network is NotFound of the network (not of the forward or peer), and a
// network type without such objects says so.
func blameNetworkParent(err error, s Scope, network string) error {
	text, info, _ := serverText(err)
	if text == "" {
		return err
	}
	if networkMissingText.MatchString(text) {
		out := nf(networkObject(s, network),
			fmt.Sprintf("The network does not exist: create it first or correct the network attribute; `incus network list %s: --project %s` lists the managed networks.", s.Remote, s.Project))
		out.Status, out.Message, out.Err = info.Status, info.Message, info.Err
		return out
	}
	if m := unsupportedText.FindStringSubmatch(text); m != nil {
		var ve *clienterr.ValidationError
		if errors.As(err, &ve) {
			ve.Hint = fmt.Sprintf("Network %q is of type %q; %s. Put it on such a network.", network, m[1], networkTypesFor[m[2]])
		}
		return err
	}
	return blameObject(err, s, "", "")
}

func describeAll(urls []string) string {
	names := make([]string, len(urls))
	for i, u := range urls {
		names[i] = DescribeUsedBy(u)
	}
	return strings.Join(names, ", ")
}

func networkPut(p NetworkPut) api.NetworkPut {
	out := api.NetworkPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}
