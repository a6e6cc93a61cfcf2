package incus

import (
	"context"
	"fmt"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// NetworkLoadBalancerBackend is one backend of a load balancer.
type NetworkLoadBalancerBackend struct {
	Name          string
	Description   string
	TargetAddress string
	TargetPort    string
}

// NetworkLoadBalancerPort is one port rule: a listen port sent to backends.
type NetworkLoadBalancerPort struct {
	Description   string
	Protocol      string
	ListenPort    string
	TargetBackend []string
}

// NetworkLoadBalancerPut is what can change on a load balancer.
type NetworkLoadBalancerPut struct {
	Description string
	Config      map[string]string
	Backends    []NetworkLoadBalancerBackend
	Ports       []NetworkLoadBalancerPort
}

// NetworkLoadBalancer is a load balancer of an OVN network, keyed by its
// listen address.
type NetworkLoadBalancer struct {
	Network       string
	ListenAddress string
	NetworkLoadBalancerPut
	ETag string
}

func loadBalancerObject(s Scope, network, listen string) string {
	return fmt.Sprintf("network load balancer %q (network %q, project %q, remote %q)", listen, network, s.Project, s.Remote)
}

// GetNetworkLoadBalancer reads a load balancer with its ETag in one request.
func (c *Client) GetNetworkLoadBalancer(ctx context.Context, s Scope, network, listen string) (*NetworkLoadBalancer, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	lb, etag, err := get(ctx, loadBalancerObject(s, network, listen), address, func() (*api.NetworkLoadBalancer, string, error) {
		return srv.GetNetworkLoadBalancer(network, listen)
	})
	if err != nil {
		return nil, blameNetworkParent(err, s, network)
	}
	out := &NetworkLoadBalancer{Network: network, ListenAddress: lb.ListenAddress, ETag: etag,
		NetworkLoadBalancerPut: NetworkLoadBalancerPut{Description: lb.Description, Config: copyConfig(lb.Config)}}
	for _, b := range lb.Backends {
		out.Backends = append(out.Backends, NetworkLoadBalancerBackend{Name: b.Name, Description: b.Description, TargetAddress: b.TargetAddress, TargetPort: b.TargetPort})
	}
	for _, p := range lb.Ports {
		out.Ports = append(out.Ports, NetworkLoadBalancerPort{Description: p.Description, Protocol: p.Protocol, ListenPort: p.ListenPort, TargetBackend: append([]string{}, p.TargetBackend...)})
	}
	return out, nil
}

// CreateNetworkLoadBalancer creates a load balancer (one request): a taken
// listen address is a Conflict naming its import ID, a missing network
// NotFound of the network, a network that is not OVN a Validation error
// saying so.
func (c *Client) CreateNetworkLoadBalancer(ctx context.Context, s Scope, network, listen string, put NetworkLoadBalancerPut) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkLoadBalancersPost{ListenAddress: listen, NetworkLoadBalancerPut: loadBalancerPut(put)}
	err = mutate(ctx, "the create request", loadBalancerObject(s, network, listen), address, func() error {
		return srv.CreateNetworkLoadBalancer(network, req)
	})
	return taken(badPortSpec(blameNetworkParent(err, s, network), describeLoadBalancerPort(put.Ports)), ImportID(s, network, listen))
}

// UpdateNetworkLoadBalancer replaces what can change on a load balancer;
// like a forward's, the ETag is checked by a read first (incusd ignores it).
func (c *Client) UpdateNetworkLoadBalancer(ctx context.Context, s Scope, network, listen string, put NetworkLoadBalancerPut, etag string) error {
	if err := c.unchangedSince(ctx, etag, func(ctx context.Context) (string, error) {
		lb, err := c.GetNetworkLoadBalancer(ctx, s, network, listen)
		if err != nil {
			return "", err
		}
		return lb.ETag, nil
	}, func(s Scope) string { return loadBalancerObject(s, network, listen) }, s); err != nil {
		return err
	}
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", loadBalancerObject(s, network, listen), address, func() error {
		return srv.UpdateNetworkLoadBalancer(network, listen, loadBalancerPut(put), etag)
	})
	return badPortSpec(blameNetworkParent(err, s, network), describeLoadBalancerPort(put.Ports))
}

// DeleteNetworkLoadBalancer deletes a load balancer. A missing one is NotFound.
func (c *Client) DeleteNetworkLoadBalancer(ctx context.Context, s Scope, network, listen string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", loadBalancerObject(s, network, listen), address, func() error {
		return srv.DeleteNetworkLoadBalancer(network, listen)
	})
	return blameNetworkParent(err, s, network)
}

func loadBalancerPut(p NetworkLoadBalancerPut) api.NetworkLoadBalancerPut {
	out := api.NetworkLoadBalancerPut{Description: p.Description, Config: p.Config,
		Backends: []api.NetworkLoadBalancerBackend{}, Ports: []api.NetworkLoadBalancerPort{}}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	for _, b := range p.Backends {
		out.Backends = append(out.Backends, api.NetworkLoadBalancerBackend{Name: b.Name, Description: b.Description, TargetAddress: b.TargetAddress, TargetPort: b.TargetPort})
	}
	for _, lp := range p.Ports {
		tb := append([]string{}, lp.TargetBackend...)
		out.Ports = append(out.Ports, api.NetworkLoadBalancerPort{Description: lp.Description, Protocol: lp.Protocol, ListenPort: lp.ListenPort, TargetBackend: tb})
	}
	return out
}

func describeLoadBalancerPort(ports []NetworkLoadBalancerPort) func(int) string {
	return func(i int) string {
		if i < 0 || i >= len(ports) {
			return ""
		}
		p := ports[i]
		return describeFields([][2]string{{"protocol", p.Protocol}, {"listen_port", p.ListenPort},
			{"target_backend", strings.Join(p.TargetBackend, ",")}})
	}
}
