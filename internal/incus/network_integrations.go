package incus

import (
	"context"
	"fmt"
	"regexp"

	"github.com/lxc/incus/v6/shared/api"
)

// NetworkIntegrationPut is what can change on a network integration.
type NetworkIntegrationPut struct {
	Description string
	// Config holds the connection to the remote OVN interconnection
	// database, the client key (ovn.client_key) among it: incusd answers
	// it in the clear to whoever may edit the integration.
	Config map[string]string
}

// NetworkIntegration is a server-wide link to an OVN interconnection
// (OVN-IC) database that remote network peers go through.
type NetworkIntegration struct {
	Name string
	Type string // "ovn", the only type incusd knows
	NetworkIntegrationPut
	UsedBy []string // the peers that use it (/1.0/networks/{net}/peers/{peer}?project=p)
	ETag   string
}

// NetworkIntegrationSpec is what CreateNetworkIntegration sends.
type NetworkIntegrationSpec struct {
	Name string
	Type string
	NetworkIntegrationPut
}

func integrationObject(s Scope, name string) string {
	return fmt.Sprintf("network integration %q (remote %q)", name, s.Remote)
}

// GetNetworkIntegration reads an integration with its ETag in one request.
func (c *Client) GetNetworkIntegration(ctx context.Context, s Scope, name string) (*NetworkIntegration, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	n, etag, err := get(ctx, integrationObject(s, name), address, func() (*api.NetworkIntegration, string, error) {
		return srv.GetNetworkIntegration(name)
	})
	if err != nil {
		return nil, c.requireOn404(ctx, s, NetworkIntegrations, err)
	}
	return &NetworkIntegration{
		Name:                  n.Name,
		Type:                  n.Type,
		NetworkIntegrationPut: NetworkIntegrationPut{Description: n.Description, Config: copyConfig(n.Config)},
		UsedBy:                sortedCopy(n.UsedBy),
		ETag:                  etag,
	}, nil
}

// CreateNetworkIntegration creates an integration (one request). A taken
// name is a Conflict naming the import ID `remote:name`.
func (c *Client) CreateNetworkIntegration(ctx context.Context, s Scope, spec NetworkIntegrationSpec) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	object := integrationObject(s, spec.Name)
	req := api.NetworkIntegrationsPost{Name: spec.Name, Type: spec.Type, NetworkIntegrationPut: integrationPut(spec.NetworkIntegrationPut)}
	err = mutate(ctx, "the create request", object, address, func() error {
		return srv.CreateNetworkIntegration(req)
	})
	return taken(c.requireOn404(ctx, s, NetworkIntegrations, err), ServerImportID(s.Remote, spec.Name))
}

// UpdateNetworkIntegration replaces an integration's description and
// config, guarded by etag when it is not empty.
func (c *Client) UpdateNetworkIntegration(ctx context.Context, s Scope, name string, put NetworkIntegrationPut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	object := integrationObject(s, name)
	err = mutate(ctx, "the update request", object, address, func() error {
		return srv.UpdateNetworkIntegration(name, integrationPut(put), etag)
	})
	return c.requireOn404(ctx, s, NetworkIntegrations, err)
}

// RenameNetworkIntegration renames an integration in place (incusd keeps
// the peers that use it pointing at it). A taken name is a Conflict naming
// its import ID.
func (c *Client) RenameNetworkIntegration(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	object := integrationObject(s, from)
	err = mutate(ctx, "the rename request", object, address, func() error {
		return srv.RenameNetworkIntegration(from, api.NetworkIntegrationPost{Name: to})
	})
	return taken(c.requireOn404(ctx, s, NetworkIntegrations, err), ServerImportID(s.Remote, to))
}

// DeleteNetworkIntegration deletes an integration. One that remote peers
// still use is a Conflict listing them; a missing one is NotFound.
func (c *Client) DeleteNetworkIntegration(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	object := integrationObject(s, name)
	err = mutate(ctx, "the delete request", object, address, func() error {
		return srv.DeleteNetworkIntegration(name)
	})
	return refusedInUseMatching(ctx, c.requireOn404(ctx, s, NetworkIntegrations, err), integrationInUse, func(ctx context.Context) ([]string, error) {
		n, err := c.GetNetworkIntegration(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return n.UsedBy, nil
	})
}

// integrationInUse: DELETE /1.0/network-integrations/{name} (500) while
// remote peers use it, incusd 6.0.4 (docs-internal/incus-error-texts.md).
var integrationInUse = regexp.MustCompile(`^Network integration is currently in use$`)

func integrationPut(p NetworkIntegrationPut) api.NetworkIntegrationPut {
	out := api.NetworkIntegrationPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}
