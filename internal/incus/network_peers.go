package incus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// NetworkPeerPut is what can change on a network peer.
type NetworkPeerPut struct {
	Description string
	Config      map[string]string
}

// NetworkPeer is a peering of an OVN network with another OVN network
// (type local) or with networks behind an OVN interconnection (type
// remote, through a network integration).
type NetworkPeer struct {
	Name    string
	Network string
	Type    string // local or remote
	NetworkPeerPut
	// TargetProject and TargetNetwork are the local peer's other side;
	// incusd answers them empty for a peer whose mutual peer was deleted
	// (status Errored).
	TargetProject     string
	TargetNetwork     string
	TargetIntegration string
	// Status is incusd's: Created (mutual, or remote), Pending (the other
	// side has no peer back yet), Errored.
	Status string
	UsedBy []string
	ETag   string
}

// NetworkPeerSpec is what CreateNetworkPeer sends.
type NetworkPeerSpec struct {
	Name              string
	Type              string
	TargetProject     string
	TargetNetwork     string
	TargetIntegration string
	NetworkPeerPut
}

func peerObject(s Scope, network, name string) string {
	return fmt.Sprintf("network peer %q (network %q, project %q, remote %q)", name, network, s.Project, s.Remote)
}

// GetNetworkPeer reads a peer with its ETag in one request. A missing
// network is NotFound of the network.
func (c *Client) GetNetworkPeer(ctx context.Context, s Scope, network, name string) (*NetworkPeer, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	object := peerObject(s, network, name)
	p, etag, err := get(ctx, object, address, func() (*api.NetworkPeer, string, error) {
		return srv.GetNetworkPeer(network, name)
	})
	if err != nil {
		return nil, c.requireOn404(ctx, s, NetworkPeers, blameNetworkParent(err, s, network))
	}
	return &NetworkPeer{
		Name:              p.Name,
		Network:           network,
		Type:              p.Type,
		NetworkPeerPut:    NetworkPeerPut{Description: p.Description, Config: copyConfig(p.Config)},
		TargetProject:     p.TargetProject,
		TargetNetwork:     p.TargetNetwork,
		TargetIntegration: p.TargetIntegration,
		Status:            p.Status,
		UsedBy:            sortedCopy(p.UsedBy),
		ETag:              etag,
	}, nil
}

// CreateNetworkPeer creates a peer (one request). A taken name is a
// Conflict naming the import ID `remote:project/network/name`; a missing
// network is NotFound of the network, a missing integration NotFound of
// the integration.
func (c *Client) CreateNetworkPeer(ctx context.Context, s Scope, network string, spec NetworkPeerSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := peerObject(s, network, spec.Name)
	req := api.NetworkPeersPost{
		Name: spec.Name, Type: spec.Type, TargetProject: spec.TargetProject, TargetNetwork: spec.TargetNetwork,
		TargetIntegration: spec.TargetIntegration, NetworkPeerPut: peerPut(spec.NetworkPeerPut),
	}
	err = mutate(ctx, "the create request", object, address, func() error {
		return srv.CreateNetworkPeer(network, req)
	})
	err = c.requireOn404(ctx, s, NetworkPeers, blameNetworkParent(err, s, network))
	var ce *clienterr.ConflictError
	if errors.As(err, &ce) && peerTargetTaken.MatchString(ce.Message) {
		// Taken is the target, not the name: no import ID to give.
		ce.Hint = fmt.Sprintf("Network %q already has a peer to network %q (project %q); incusd allows one peer per target network. `incus network peer list %s:%s --project %s` lists them.", network, spec.TargetNetwork, spec.TargetProject, s.Remote, network, s.Project)
		return err
	}
	if text, _, _ := serverText(err); text != "" && integrationMissing.MatchString(text) {
		out := nf(integrationObject(s, spec.TargetIntegration),
			fmt.Sprintf("Create the integration first or correct target_integration; `incus network integration list %s:` lists them.", s.Remote))
		out.Status, out.Message, out.Err = http.StatusNotFound, text, err
		return out
	}
	return taken(err, ImportID(s, network, spec.Name))
}

// UpdateNetworkPeer replaces a peer's description and config. incusd
// 6.0.4 ignores If-Match on peers (as on forwards), so when etag is not
// empty the peer is read first: one changed since etag was read is a
// Conflict, never silently overwritten.
func (c *Client) UpdateNetworkPeer(ctx context.Context, s Scope, network, name string, put NetworkPeerPut, etag string) error {
	if err := c.unchangedSince(ctx, etag, func(ctx context.Context) (string, error) {
		p, err := c.GetNetworkPeer(ctx, s, network, name)
		if err != nil {
			return "", err
		}
		return p.ETag, nil
	}, func(s Scope) string { return peerObject(s, network, name) }, s); err != nil {
		return err
	}
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := peerObject(s, network, name)
	err = mutate(ctx, "the update request", object, address, func() error {
		return srv.UpdateNetworkPeer(network, name, peerPut(put), etag)
	})
	return c.requireOn404(ctx, s, NetworkPeers, blameNetworkParent(err, s, network))
}

// DeleteNetworkPeer deletes a peer. One that a network ACL names (as
// `@network/peer`) is a Conflict listing what uses it; a missing one (or
// network) is NotFound.
func (c *Client) DeleteNetworkPeer(ctx context.Context, s Scope, network, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := peerObject(s, network, name)
	err = mutate(ctx, "the delete request", object, address, func() error {
		return srv.DeleteNetworkPeer(network, name)
	})
	return refusedInUseMatching(ctx, c.requireOn404(ctx, s, NetworkPeers, blameNetworkParent(err, s, network)), peerInUse, func(ctx context.Context) ([]string, error) {
		p, err := c.GetNetworkPeer(ctx, s, network, name)
		if err != nil {
			return nil, err
		}
		return p.UsedBy, nil
	})
}

// incusd 6.0.4's texts for peers (docs-internal/incus-error-texts.md):
//   - those of every object of a network (networks.go, blameNetworkParent)
//   - POST .../peers (409): "Failed creating peer: A peer for that target network already exists"
//   - POST .../peers, remote, missing integration (404): "Failed creating peer: Network_integration not found"
//   - DELETE .../peers/{name} (500): "Failed deleting peer: Cannot delete a Peer that is in use"
var (
	peerTargetTaken    = regexp.MustCompile(`A peer for that target network already exists$`)
	integrationMissing = regexp.MustCompile(`^Failed creating peer: Network_integration not found$`)
	peerInUse          = regexp.MustCompile(`^Failed deleting peer: Cannot delete a Peer that is in use$`)
)

func peerPut(p NetworkPeerPut) api.NetworkPeerPut {
	out := api.NetworkPeerPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}
