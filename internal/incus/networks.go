package incus

import (
	"context"
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
