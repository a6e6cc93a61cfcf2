package incus

import (
	"context"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// StorageVolumeSnapshotPut is what can change on a volume snapshot.
type StorageVolumeSnapshotPut struct {
	Description string
	ExpiresAt   time.Time // zero: never expires
}

// StorageVolumeSnapshot is a snapshot of a custom storage volume.
type StorageVolumeSnapshot struct {
	Name string // the snapshot's own name, without the volume's
	StorageVolumeSnapshotPut
	Pool        string
	Volume      string
	Config      map[string]string // the volume's config when the snapshot was taken
	ContentType string
	CreatedAt   time.Time
	UsedBy      []string // always empty: incusd does not report users of a snapshot
	ETag        string
}

// StorageVolumeSnapshotSpec is what CreateStorageVolumeSnapshot sends.
type StorageVolumeSnapshotSpec struct {
	Name string
	StorageVolumeSnapshotPut
}

// GetStorageVolumeSnapshot reads a snapshot with its ETag in one request.
// incusd answers a missing snapshot and a missing volume alike ("Storage
// pool volume not found"): both are NotFound for the snapshot.
func (c *Client) GetStorageVolumeSnapshot(ctx context.Context, s Scope, pool, volume, name string) (*StorageVolumeSnapshot, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	snap, etag, err := get(ctx, snapshotObject(s, pool, volume, name), address, func() (*api.StorageVolumeSnapshot, string, error) {
		return srv.GetStoragePoolVolumeSnapshot(pool, customVolume, volume, name)
	})
	if err != nil {
		return nil, blameObject(err, s, pool, "")
	}
	out := &StorageVolumeSnapshot{
		Name:        snap.Name,
		Pool:        pool,
		Volume:      volume,
		Config:      copyConfig(snap.Config),
		ContentType: snap.ContentType,
		CreatedAt:   snap.CreatedAt,
		ETag:        etag,
	}
	out.Description = snap.Description
	if snap.ExpiresAt != nil && !snap.ExpiresAt.IsZero() && snap.ExpiresAt.Year() > 1 {
		out.ExpiresAt = *snap.ExpiresAt
	}
	return out, nil
}

// CreateStorageVolumeSnapshot takes a snapshot (an operation, waited for).
// incusd's create takes no description (the snapshot takes the volume's):
// one update request more sets the spec's description and expiry. A taken name is a Conflict naming the import ID
// `remote:project/pool/volume/snapshot`.
func (c *Client) CreateStorageVolumeSnapshot(ctx context.Context, s Scope, pool, volume string, spec StorageVolumeSnapshotSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.StorageVolumeSnapshotsPost{Name: spec.Name}
	if !spec.ExpiresAt.IsZero() {
		t := spec.ExpiresAt
		req.ExpiresAt = &t
	}
	err = operate(ctx, srv, "the create request", snapshotObject(s, pool, volume, spec.Name), address, func() (incusclient.Operation, error) {
		return srv.CreateStoragePoolVolumeSnapshot(pool, customVolume, volume, req)
	})
	if err != nil {
		return taken(blameObject(err, s, pool, ""), ImportID(s, pool, volume, spec.Name))
	}
	// Always: the snapshot took the volume's description (and maybe an
	// expiry from its snapshots.expiry), not the request's.
	return c.UpdateStorageVolumeSnapshot(ctx, s, pool, volume, spec.Name, spec.StorageVolumeSnapshotPut, "")
}

// UpdateStorageVolumeSnapshot sets a snapshot's description and expiry,
// guarded by etag when it is not empty.
func (c *Client) UpdateStorageVolumeSnapshot(ctx context.Context, s Scope, pool, volume, name string, put StorageVolumeSnapshotPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	// A zero time is how incusd says "never" (it answers 0001-01-01T00:00:00Z).
	expires := put.ExpiresAt
	req := api.StorageVolumeSnapshotPut{Description: put.Description, ExpiresAt: &expires}
	err = mutate(ctx, "the update request", snapshotObject(s, pool, volume, name), address, func() error {
		return srv.UpdateStoragePoolVolumeSnapshot(pool, customVolume, volume, name, req, etag)
	})
	return blameObject(err, s, pool, "")
}

// RenameStorageVolumeSnapshot renames a snapshot in place (an operation).
// incusd checks no name clash first: on a dir pool the operation fails with
// the driver's "file exists". A failed rename whose new name is taken is a
// Conflict naming that snapshot's import ID (one read, on failure only).
func (c *Client) RenameStorageVolumeSnapshot(ctx context.Context, s Scope, pool, volume, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the rename request", snapshotObject(s, pool, volume, from), address, func() (incusclient.Operation, error) {
		return srv.RenameStoragePoolVolumeSnapshot(pool, customVolume, volume, from, api.StorageVolumeSnapshotPost{Name: to})
	})
	if err != nil && isOperationError(err) {
		if _, gerr := c.GetStorageVolumeSnapshot(ctx, s, pool, volume, to); gerr == nil {
			return &clienterr.ConflictError{
				Info: clienterr.Info{
					Object:  snapshotObject(s, pool, volume, to),
					Message: "a snapshot with this name already exists, so the rename failed",
					Err:     err,
				},
				ImportID: ImportID(s, pool, volume, to),
			}
		}
	}
	return taken(blameObject(err, s, pool, ""), ImportID(s, pool, volume, to))
}

// DeleteStorageVolumeSnapshot deletes a snapshot (an operation). A missing
// one is NotFound.
func (c *Client) DeleteStorageVolumeSnapshot(ctx context.Context, s Scope, pool, volume, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the delete request", snapshotObject(s, pool, volume, name), address, func() (incusclient.Operation, error) {
		return srv.DeleteStoragePoolVolumeSnapshot(pool, customVolume, volume, name)
	})
	return blameObject(err, s, pool, "")
}
