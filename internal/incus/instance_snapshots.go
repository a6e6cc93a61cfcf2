package incus

import (
	"context"
	"errors"
	"fmt"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// InstanceSnapshot is a snapshot of an instance.
type InstanceSnapshot struct {
	Instance string
	Name     string // the snapshot's own name, without the instance's
	// Description is the instance's when the snapshot was taken: incusd
	// has no way to set a snapshot's own.
	Description string
	Stateful    bool
	ExpiresAt   time.Time // zero: never expires
	CreatedAt   time.Time
	ETag        string
}

// InstanceSnapshotSpec is what CreateInstanceSnapshot sends.
type InstanceSnapshotSpec struct {
	Name      string
	Stateful  bool
	ExpiresAt time.Time // zero: never, whatever the instance's snapshots.expiry says
}

func instanceSnapshotObject(s Scope, instance, name string) string {
	return fmt.Sprintf("instance snapshot %q (instance %q, project %q, remote %q)", name, instance, s.Project, s.Remote)
}

// blameInstanceSnapshot turns a NotFound of a snapshot request into a
// NotFound of the instance when the instance is the one missing: incusd
// answers both alike ("Instance not found"). One read, on NotFound only.
func (c *Client) blameInstanceSnapshot(ctx context.Context, err error, srv incusclient.InstanceServer, s Scope, instance, address string) error {
	if !IsNotFound(err) {
		return err
	}
	_, gerr := call(ctx, "reading", instanceObject(s, instance), address, func() (*api.Instance, error) {
		inst, _, err := srv.GetInstance(instance)
		return inst, err
	})
	if !IsNotFound(gerr) {
		return err
	}
	out := nf(instanceObject(s, instance),
		fmt.Sprintf("The snapshot's instance does not exist. Create it or correct the instance attribute; `incus list %s: --project %s` lists the instances.", s.Remote, s.Project))
	out.Status = 404
	out.Message = "the instance does not exist"
	out.Err = err
	return out
}

// GetInstanceSnapshot reads a snapshot with its ETag in one request. A
// missing instance is NotFound of the instance.
func (c *Client) GetInstanceSnapshot(ctx context.Context, s Scope, instance, name string) (*InstanceSnapshot, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	snap, etag, err := get(ctx, instanceSnapshotObject(s, instance, name), address, func() (*api.InstanceSnapshot, string, error) {
		return srv.GetInstanceSnapshot(instance, name)
	})
	if err != nil {
		return nil, c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address)
	}
	out := &InstanceSnapshot{
		Instance:    instance,
		Name:        snap.Name,
		Description: snap.Description,
		Stateful:    snap.Stateful,
		CreatedAt:   snap.CreatedAt,
		ETag:        etag,
	}
	// A zero time is how incusd says "never" (0001-01-01T00:00:00Z).
	if !snap.ExpiresAt.IsZero() && snap.ExpiresAt.Year() > 1 {
		out.ExpiresAt = snap.ExpiresAt
	}
	return out, nil
}

// ListInstanceSnapshots lists the snapshots of an instance.
func (c *Client) ListInstanceSnapshots(ctx context.Context, s Scope, instance string) ([]string, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	names, err := call(ctx, "listing the snapshots of", instanceObject(s, instance), address, func() ([]string, error) {
		return srv.GetInstanceSnapshotNames(instance)
	})
	if err != nil {
		return nil, c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address)
	}
	return names, nil
}

// CreateInstanceSnapshot takes a snapshot (an operation, waited for). The
// expiry is always sent, so that the instance's snapshots.expiry never
// applies to a snapshot Terraform manages. A taken name is a Conflict naming
// the import ID `remote:project/instance/snapshot`; a stateful snapshot of a
// container without CRIU fails with incusd's own text.
func (c *Client) CreateInstanceSnapshot(ctx context.Context, s Scope, instance string, spec InstanceSnapshotSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	expires := spec.ExpiresAt
	req := api.InstanceSnapshotsPost{Name: spec.Name, Stateful: spec.Stateful, ExpiresAt: &expires}
	err = operate(ctx, srv, "the create request", instanceSnapshotObject(s, instance, spec.Name), address, func() (incusclient.Operation, error) {
		return srv.CreateInstanceSnapshot(instance, req)
	})
	if err != nil && spec.Stateful && isOperationError(err) {
		err = statefulHint(err)
	}
	return taken(c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address), ImportID(s, instance, spec.Name))
}

// statefulHint adds advice to a failed stateful snapshot: incusd's text
// ("... migration.stateful ...", "CRIU isn't installed") says what is
// missing, the hint how to get a snapshot anyway.
func statefulHint(err error) error {
	var op *clienterr.OperationError
	if errors.As(err, &op) && op.Hint == "" {
		op.Hint = "A stateful snapshot saves the running processes: the instance must run, have migration.stateful=true, and (for a container) the server needs CRIU. Set stateful = false for a snapshot of the disk only."
	}
	return err
}

// UpdateInstanceSnapshot sets a snapshot's expiry (the only thing incusd
// lets change on one), guarded by etag when it is not empty.
func (c *Client) UpdateInstanceSnapshot(ctx context.Context, s Scope, instance, name string, expiresAt time.Time, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the update request", instanceSnapshotObject(s, instance, name), address, func() (incusclient.Operation, error) {
		return srv.UpdateInstanceSnapshot(instance, name, api.InstanceSnapshotPut{ExpiresAt: expiresAt}, etag)
	})
	return c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address)
}

// RenameInstanceSnapshot renames a snapshot in place (an operation). incusd
// refuses a taken name with 409 ("Name 'web/s2' already in use"): a Conflict
// naming that snapshot's import ID.
func (c *Client) RenameInstanceSnapshot(ctx context.Context, s Scope, instance, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the rename request", instanceSnapshotObject(s, instance, from), address, func() (incusclient.Operation, error) {
		return srv.RenameInstanceSnapshot(instance, from, api.InstanceSnapshotPost{Name: to})
	})
	return taken(c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address), ImportID(s, instance, to))
}

// DeleteInstanceSnapshot deletes a snapshot (an operation). A missing one is NotFound.
func (c *Client) DeleteInstanceSnapshot(ctx context.Context, s Scope, instance, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the delete request", instanceSnapshotObject(s, instance, name), address, func() (incusclient.Operation, error) {
		return srv.DeleteInstanceSnapshot(instance, name)
	})
	return c.blameInstanceSnapshot(ctx, blameObject(err, s, "", ""), srv, s, instance, address)
}
