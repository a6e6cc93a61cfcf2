package incus

import (
	"context"

	"github.com/lxc/incus/v6/shared/api"
)

// StoragePoolPut is what can change on a storage pool.
type StoragePoolPut struct {
	Description string
	Config      map[string]string
}

// StoragePool is an Incus storage pool. Pools belong to the whole server:
// the remote of a Scope counts, and its Target for the per-member config of
// a cluster; the project does not.
type StoragePool struct {
	Name string
	StoragePoolPut
	Driver    string
	Status    string   // Created, Pending (defined on some cluster members only), Errored, ...
	Locations []string // cluster members that have it ("none" on a standalone server)
	UsedBy    []string
	ETag      string
}

// StoragePoolSpec is what CreateStoragePool sends.
type StoragePoolSpec struct {
	Name   string
	Driver string
	StoragePoolPut
}

// GetStoragePool reads a pool with its ETag in one request. With s.Target
// set, Config holds that cluster member's config.
func (c *Client) GetStoragePool(ctx context.Context, s Scope, name string) (*StoragePool, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	p, etag, err := get(ctx, poolObject(s, name), address, func() (*api.StoragePool, string, error) {
		return srv.GetStoragePool(name)
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	return &StoragePool{
		Name:           p.Name,
		StoragePoolPut: StoragePoolPut{Description: p.Description, Config: copyConfig(p.Config)},
		Driver:         p.Driver,
		Status:         p.Status,
		Locations:      append([]string{}, p.Locations...),
		UsedBy:         sortedCopy(p.UsedBy),
		ETag:           etag,
	}, nil
}

// CreateStoragePool creates a pool (one request). In a cluster, a pool is
// first defined on each member (s.Target set, member config such as source),
// then created once without a target. A taken name is a Conflict naming the
// import ID `remote:name`.
func (c *Client) CreateStoragePool(ctx context.Context, s Scope, spec StoragePoolSpec) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	req := api.StoragePoolsPost{Name: spec.Name, Driver: spec.Driver, StoragePoolPut: poolPut(spec.StoragePoolPut)}
	err = mutate(ctx, "the create request", poolObject(s, spec.Name), address, func() error {
		return srv.CreateStoragePool(req)
	})
	return taken(blameObject(err, s, "", ""), ServerImportID(s.Remote, spec.Name))
}

// UpdateStoragePool replaces a pool's description and config (a member's
// config with s.Target), guarded by etag when it is not empty. Incus cannot
// rename a pool (its POST answers 501).
func (c *Client) UpdateStoragePool(ctx context.Context, s Scope, name string, put StoragePoolPut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", poolObject(s, name), address, func() error {
		return srv.UpdateStoragePool(name, poolPut(put), etag)
	})
	return blameObject(err, s, "", "")
}

// DeleteStoragePool deletes a pool. A pool that still holds volumes or is
// named by profiles is a Conflict listing them (UsedBy); a missing one is
// NotFound.
func (c *Client) DeleteStoragePool(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", poolObject(s, name), address, func() error {
		return srv.DeleteStoragePool(name)
	})
	return refusedInUse(ctx, blameObject(err, s, "", ""), func(ctx context.Context) ([]string, error) {
		p, err := c.GetStoragePool(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return p.UsedBy, nil
	})
}

func poolPut(p StoragePoolPut) api.StoragePoolPut {
	out := api.StoragePoolPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}
