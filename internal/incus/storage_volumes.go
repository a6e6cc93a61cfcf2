package incus

import (
	"context"
	"errors"
	"net/url"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// customVolume is the only volume type the provider manages; instance and
// image volumes belong to their instances and images.
const customVolume = "custom"

// StorageVolumePut is what can change on a custom storage volume.
type StorageVolumePut struct {
	Description string
	Config      map[string]string
}

// StorageVolume is a custom storage volume of a pool, in a project.
type StorageVolume struct {
	Name string
	StorageVolumePut
	Pool        string
	Project     string
	ContentType string // filesystem, block or iso
	Location    string // cluster member ("none" on a standalone server)
	CreatedAt   time.Time
	UsedBy      []string
	ETag        string
}

// VolumeSource names the volume a new one is copied from. Empty Remote,
// Project or Pool mean those of the new volume.
type VolumeSource struct {
	Remote  string
	Project string
	Pool    string
	Name    string
}

// StorageVolumeSpec is what CreateStorageVolume sends. s.Target of the
// create places the volume on a cluster member.
type StorageVolumeSpec struct {
	Name        string
	Pool        string
	ContentType string // "" is filesystem
	StorageVolumePut
	// Source, when set, copies that volume (without its snapshots).
	Source *VolumeSource
}

// GetStorageVolume reads a custom volume with its ETag in one request.
func (c *Client) GetStorageVolume(ctx context.Context, s Scope, pool, name string) (*StorageVolume, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	v, etag, err := get(ctx, volumeObject(s, pool, name), address, func() (*api.StorageVolume, string, error) {
		return srv.GetStoragePoolVolume(pool, customVolume, name)
	})
	if err != nil {
		return nil, blameObject(err, s, pool, "")
	}
	out := &StorageVolume{
		Name:             v.Name,
		StorageVolumePut: StorageVolumePut{Description: v.Description, Config: copyConfig(v.Config)},
		Pool:             pool,
		Project:          v.Project,
		ContentType:      v.ContentType,
		Location:         v.Location,
		CreatedAt:        v.CreatedAt,
		UsedBy:           sortedCopy(v.UsedBy),
		ETag:             etag,
	}
	if out.Project == "" {
		out.Project = s.Project
	}
	return out, nil
}

// CreateStorageVolume creates a custom volume: one request (sync on most
// drivers), or, with spec.Source, a copy waited for (on one server the copy
// request with our operation wait; between remotes the official client's
// CopyStoragePoolVolume). A taken name is a Conflict naming the
// import ID `remote:project/pool/name`.
func (c *Client) CreateStorageVolume(ctx context.Context, s Scope, spec StorageVolumeSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := volumeObject(s, spec.Pool, spec.Name)
	if spec.Source != nil {
		err = c.copyVolume(ctx, srv, s, address, spec)
	} else {
		req := api.StorageVolumesPost{
			Name:             spec.Name,
			Type:             customVolume,
			ContentType:      spec.ContentType,
			StorageVolumePut: volumePut(spec.StorageVolumePut),
		}
		err = mutate(ctx, "the create request", object, address, func() error {
			return srv.CreateStoragePoolVolume(spec.Pool, req)
		})
	}
	return taken(blameObject(err, s, spec.Pool, ""), ImportID(s, spec.Pool, spec.Name))
}

// copyVolume copies spec.Source into the new volume. On one server the
// copy is one operation, waited for through the server; across remotes the
// official client drives the migration and its wait.
func (c *Client) copyVolume(ctx context.Context, srv incusclient.InstanceServer, s Scope, address string, spec StorageVolumeSpec) error {
	src := *spec.Source
	from := Scope{Remote: src.Remote, Project: src.Project}
	if from.Remote == "" {
		from.Remote = s.Remote
	}
	if from.Project == "" && from.Remote == s.Remote {
		from.Project = s.Project
	}
	if src.Pool == "" {
		src.Pool = spec.Pool
	}
	srcSrv, _, err := c.server(from)
	if err != nil {
		return err
	}
	object := volumeObject(s, spec.Pool, spec.Name)
	vol := api.StorageVolume{
		Name:             src.Name,
		Type:             customVolume,
		ContentType:      spec.ContentType,
		Location:         "none",
		StorageVolumePut: volumePut(spec.StorageVolumePut),
	}
	if from.Remote == s.Remote {
		// On one server: the same request the official client's copy
		// sends, through our own operation wait (one wait, the operation's
		// ID kept). The client's RemoteOperation would wait in a goroutine
		// of its own and race with any read of its target operation.
		req := api.StorageVolumesPost{
			Name:             spec.Name,
			Type:             customVolume,
			ContentType:      spec.ContentType,
			StorageVolumePut: volumePut(spec.StorageVolumePut),
			Source:           api.StorageVolumeSource{Type: "copy", Name: src.Name, Pool: src.Pool, VolumeOnly: true},
		}
		if from.Project != s.Project {
			req.Source.Project = from.Project
		}
		return operate(ctx, srv, "the copy request", object, address, func() (incusclient.Operation, error) {
			op, _, err := srv.RawOperation("POST", "/storage-pools/"+url.PathEscape(spec.Pool)+"/volumes/"+customVolume, req, "")
			return op, err
		})
	}
	args := &incusclient.StoragePoolVolumeCopyArgs{Name: spec.Name, VolumeOnly: true}
	if err := clienterr.BeforeMutation(ctx, "the copy request", object); err != nil {
		return err
	}
	ctx, cancel := clienterr.Detach(ctx)
	defer cancel()
	rop, err := call(ctx, "the copy request of", object, address, func() (incusclient.RemoteOperation, error) {
		return srv.CopyStoragePoolVolume(spec.Pool, srcSrv, src.Pool, vol, args)
	})
	if err != nil {
		return err
	}
	// A migration between remotes: the official client holds the
	// operations; its error is text only.
	_, err = withContext(ctx, "the copy of "+object, func() (struct{}, error) { return struct{}{}, rop.Wait() })
	if err != nil && !clienterr.IsTyped(err) {
		err = &clienterr.OperationError{
			Info:        clienterr.Info{Object: object, Message: err.Error(), Err: err},
			Description: "Copying storage volume",
			OpStatus:    "Failure",
		}
	}
	return err
}

// UpdateStorageVolume replaces a volume's description and config, guarded
// by etag when it is not empty.
func (c *Client) UpdateStorageVolume(ctx context.Context, s Scope, pool, name string, put StorageVolumePut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", volumeObject(s, pool, name), address, func() error {
		return srv.UpdateStoragePoolVolume(pool, customVolume, name, volumePut(put), etag)
	})
	return blameObject(err, s, pool, "")
}

// RenameStorageVolume renames a custom volume in place; the instance and
// profile devices that use it follow (incusd 6.0.4 renames a volume used by
// a stopped instance and updates the device's source).
func (c *Client) RenameStorageVolume(ctx context.Context, s Scope, pool, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", volumeObject(s, pool, from), address, func() error {
		return srv.RenameStoragePoolVolume(pool, customVolume, from, api.StorageVolumePost{Name: to})
	})
	return taken(blameObject(err, s, pool, ""), ImportID(s, pool, to))
}

// DeleteStorageVolume deletes a custom volume and its snapshots. A volume
// still attached to instances or profiles is a Conflict listing them
// (UsedBy); a missing one is NotFound.
func (c *Client) DeleteStorageVolume(ctx context.Context, s Scope, pool, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", volumeObject(s, pool, name), address, func() error {
		return srv.DeleteStoragePoolVolume(pool, customVolume, name)
	})
	return refusedInUse(ctx, blameObject(err, s, pool, ""), func(ctx context.Context) ([]string, error) {
		v, err := c.GetStorageVolume(ctx, s, pool, name)
		if err != nil {
			return nil, err
		}
		return v.UsedBy, nil
	})
}

func volumePut(p StorageVolumePut) api.StorageVolumePut {
	out := api.StorageVolumePut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}

// isOperationError reports whether err is a failed background operation.
func isOperationError(err error) bool {
	var op *clienterr.OperationError
	return errors.As(err, &op)
}
