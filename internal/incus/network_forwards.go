package incus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// NetworkForwardPort is one port rule of a forward ("" for what it leaves out).
type NetworkForwardPort struct {
	Description   string
	Protocol      string
	ListenPort    string
	TargetAddress string
	TargetPort    string
}

// NetworkForwardPut is what can change on a network forward.
type NetworkForwardPut struct {
	Description string
	Config      map[string]string // target_address (the default target), user.*
	Ports       []NetworkForwardPort
}

// NetworkForward is an address forward of a network, keyed by its listen
// address. incusd cannot change the listen address.
type NetworkForward struct {
	Network       string
	ListenAddress string
	NetworkForwardPut
	ETag string
}

func forwardObject(s Scope, network, listen string) string {
	return fmt.Sprintf("network forward %q (network %q, project %q, remote %q)", listen, network, s.Project, s.Remote)
}

// GetNetworkForward reads a forward with its ETag in one request. A missing
// network is NotFound of the network.
func (c *Client) GetNetworkForward(ctx context.Context, s Scope, network, listen string) (*NetworkForward, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	f, etag, err := get(ctx, forwardObject(s, network, listen), address, func() (*api.NetworkForward, string, error) {
		return srv.GetNetworkForward(network, listen)
	})
	if err != nil {
		return nil, blameNetworkParent(err, s, network)
	}
	out := &NetworkForward{Network: network, ListenAddress: f.ListenAddress, ETag: etag,
		NetworkForwardPut: NetworkForwardPut{Description: f.Description, Config: copyConfig(f.Config)}}
	for _, p := range f.Ports {
		out.Ports = append(out.Ports, NetworkForwardPort{Description: p.Description, Protocol: p.Protocol,
			ListenPort: p.ListenPort, TargetAddress: p.TargetAddress, TargetPort: p.TargetPort})
	}
	return out, nil
}

// CreateNetworkForward creates a forward (one request). A listen address
// the network already forwards is a Conflict naming the import ID
// `remote:project/network/listen`; a missing network is NotFound of the
// network; a port rule incusd refuses is a Validation error saying which.
func (c *Client) CreateNetworkForward(ctx context.Context, s Scope, network, listen string, put NetworkForwardPut) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkForwardsPost{ListenAddress: listen, NetworkForwardPut: forwardPut(put)}
	err = mutate(ctx, "the create request", forwardObject(s, network, listen), address, func() error {
		return srv.CreateNetworkForward(network, req)
	})
	return taken(badPortSpec(blameNetworkParent(err, s, network), describeForwardPort(put.Ports)), ImportID(s, network, listen))
}

// UpdateNetworkForward replaces a forward's description, config and ports.
// incusd 6.0.4 ignores If-Match on forwards, so when etag is not empty the
// forward is read first: one changed since etag was read is a Conflict,
// never silently overwritten.
func (c *Client) UpdateNetworkForward(ctx context.Context, s Scope, network, listen string, put NetworkForwardPut, etag string) error {
	if err := c.unchangedSince(ctx, etag, func(ctx context.Context) (string, error) {
		f, err := c.GetNetworkForward(ctx, s, network, listen)
		if err != nil {
			return "", err
		}
		return f.ETag, nil
	}, func(s Scope) string { return forwardObject(s, network, listen) }, s); err != nil {
		return err
	}
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", forwardObject(s, network, listen), address, func() error {
		return srv.UpdateNetworkForward(network, listen, forwardPut(put), etag)
	})
	return badPortSpec(blameNetworkParent(err, s, network), describeForwardPort(put.Ports))
}

// DeleteNetworkForward deletes a forward. A missing one (or network) is NotFound.
func (c *Client) DeleteNetworkForward(ctx context.Context, s Scope, network, listen string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", forwardObject(s, network, listen), address, func() error {
		return srv.DeleteNetworkForward(network, listen)
	})
	return blameNetworkParent(err, s, network)
}

// unchangedSince checks, for an object whose PUT incusd does not guard with
// If-Match, that its ETag is still etag: a Conflict like a 412 when not.
func (c *Client) unchangedSince(ctx context.Context, etag string, current func(context.Context) (string, error), object func(Scope) string, s Scope) error {
	if etag == "" {
		return nil
	}
	now, err := current(ctx)
	if err != nil {
		return err
	}
	if now == etag {
		return nil
	}
	_, rs, _ := c.server(s)
	out := &clienterr.ConflictError{}
	out.Object = object(rs)
	out.Message = "it changed outside Terraform since it was read; run apply again to apply the configuration to what is there now"
	out.Hint = staleHint
	return out
}

func forwardPut(p NetworkForwardPut) api.NetworkForwardPut {
	out := api.NetworkForwardPut{Description: p.Description, Config: p.Config, Ports: []api.NetworkForwardPort{}}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	for _, f := range p.Ports {
		out.Ports = append(out.Ports, api.NetworkForwardPort{Description: f.Description, Protocol: f.Protocol,
			ListenPort: f.ListenPort, TargetAddress: f.TargetAddress, TargetPort: f.TargetPort})
	}
	return out
}

// incusd 6.0.4's texts for forwards and load balancers
// (docs-internal/incus-error-texts.md), besides those of every object of a
// network (networks.go, blameNetworkParent):
//   - GET of a missing forward (404): "Network forward not found"
//   - POST, listen address taken on the network (409): "Failed creating forward: A forward for that listen address already exists"
//   - POST/PUT, a port rule refused (500): "Failed creating forward: Invalid listen port in port specification 1: ..."
var portSpecText = regexp.MustCompile(`in port specification (\d+)`)

// badPortSpec says which entry of ports incusd refused, when its text
// gives the index ("port specification 1", counting from 0 as the
// configuration's ports[1]).
func badPortSpec(err error, describe func(i int) string) error {
	var ve *clienterr.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	m := portSpecText.FindStringSubmatch(ve.Message)
	if m == nil {
		return err
	}
	i, convErr := strconv.Atoi(m[1])
	d := describe(i)
	if convErr != nil || d == "" {
		return err
	}
	ve.Hint = fmt.Sprintf("incusd refused port entry %d: ports[%d] in the configuration, counting from 0 (%s). Correct that entry and apply again.", i, i, d)
	return err
}

func describeForwardPort(ports []NetworkForwardPort) func(int) string {
	return func(i int) string {
		if i < 0 || i >= len(ports) {
			return ""
		}
		p := ports[i]
		return describeFields([][2]string{{"protocol", p.Protocol}, {"listen_port", p.ListenPort},
			{"target_address", p.TargetAddress}, {"target_port", p.TargetPort}})
	}
}

// describeFields is `protocol "tcp", listen_port "80"`, leaving out empty ones.
func describeFields(fields [][2]string) string {
	var out []string
	for _, f := range fields {
		if f[1] != "" {
			out = append(out, fmt.Sprintf("%s %q", f[0], f[1]))
		}
	}
	return strings.Join(out, ", ")
}
