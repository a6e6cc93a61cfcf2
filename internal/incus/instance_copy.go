package incus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// CopySource names the instance, or one of its snapshots, that a new
// instance copies (POST /1.0/instances with a source of type "copy").
type CopySource struct {
	Name     string
	Snapshot string // "" copies the instance itself
	Project  string // "" is the new instance's project
}

// createSource is the source of a create request: a copy when spec.Copy is
// set, else the image.
func (c *Client) createSource(s Scope, spec InstanceSpec) (api.InstanceSource, error) {
	if spec.Copy == nil {
		return c.source(s, spec.Image)
	}
	from := spec.Copy.Name
	if spec.Copy.Snapshot != "" {
		from += "/" + spec.Copy.Snapshot
	}
	src := api.InstanceSource{Type: "copy", Source: from}
	if p := spec.Copy.Project; p != "" && p != s.Project {
		src.Project = p // the extension container_copy_project, in every Incus
	}
	return src, nil
}

// CopyInstance creates spec.Name as a copy of spec.Copy on the same remote
// (the source may be in another project). A missing source is a NotFound
// error about the source instance or snapshot, not the new instance. What
// exists after an error follows CreateInstance.
func (c *Client) CopyInstance(ctx context.Context, s Scope, spec InstanceSpec) (*Instance, error) {
	if spec.Copy == nil || spec.Copy.Name == "" {
		return nil, errors.New("CopyInstance needs a source instance")
	}
	inst, err := c.CreateInstance(ctx, s, spec)
	if err != nil {
		if rs, rerr := c.Resolve(s); rerr == nil {
			s = rs
		}
		err = blameCopySource(err, s, *spec.Copy)
	}
	return inst, err
}

// incusd 6.0.4 answers a copy of a missing source with 404 and one of
// these texts (cmd/incusd/instances_post.go createFromCopy, through
// instance.LoadByProjectAndName):
//
//	Failed to fetch instance "web" in project "default": Instance not found
//	Failed to fetch instance "web/snap0" in project "default": Instance not found (the instance is missing)
//	Failed to fetch snapshot "snap0" of instance "web" in project "default": Instance_snapshot not found
var (
	copySourceMissing   = regexp.MustCompile(`^Failed to fetch instance "([^"/]+)(?:/[^"]*)?" in project "([^"]*)": Instance not found$`)
	copySnapshotMissing = regexp.MustCompile(`^Failed to fetch snapshot "([^"]+)" of instance "([^"]+)" in project "([^"]*)": Instance_snapshot not found$`)
)

// blameCopySource turns incusd's 404 for a missing copy source into a
// NotFound error about that source.
func blameCopySource(err error, s Scope, src CopySource) error {
	var nfe *clienterr.NotFoundError
	if !errors.As(err, &nfe) {
		return err
	}
	var object, hint string
	if m := copySnapshotMissing.FindStringSubmatch(nfe.Message); m != nil {
		object = fmt.Sprintf("snapshot %q of source instance %q (project %q, remote %q)", m[1], m[2], m[3], s.Remote)
		hint = fmt.Sprintf("source_instance names snapshot %q of instance %q, which does not exist. Correct the snapshot name, or create the snapshot first; `incus snapshot list %s:%s --project %s` lists the snapshots.", m[1], m[2], s.Remote, m[2], m[3])
	} else if m := copySourceMissing.FindStringSubmatch(nfe.Message); m != nil && m[1] == src.Name {
		object = fmt.Sprintf("source instance %q (project %q, remote %q)", m[1], m[2], s.Remote)
		hint = fmt.Sprintf("source_instance names instance %q, which does not exist in project %q. Correct the name or project, or create the source first; `incus list %s: --project %s` lists the instances.", m[1], m[2], s.Remote, m[2])
	} else {
		return err
	}
	return &clienterr.NotFoundError{Info: clienterr.Info{Object: object, Status: nfe.Status, Message: nfe.Message, Hint: hint, Err: err}}
}

// CreateInstanceFromBackup restores an instance backup (the tarball of
// `incus export`) as instance name: POST /1.0/instances with the tarball as
// the body, streamed from backup (never read whole into memory) and the
// name in X-Incus-name. The instance is left stopped. A file that is not a
// backup is a Validation error carrying incusd's text. What exists after an
// error follows CreateInstance.
func (c *Client) CreateInstanceFromBackup(ctx context.Context, s Scope, name string, backup io.Reader) (*Instance, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, err
	}
	inst, err := c.createWith(ctx, srv, s, name, instanceRequest{}, func() (incusclient.Operation, error) {
		return srv.CreateInstanceFromBackup(incusclient.InstanceBackupArgs{BackupFile: backup, Name: name})
	})
	var v *clienterr.ValidationError
	if errors.As(err, &v) && v.Hint == "" {
		v.Hint = "The file must be an Incus instance backup, such as `incus export` writes (a tarball holding backup/index.yaml)."
	}
	return inst, err
}

// InstancesRebuild is the extension of POST /1.0/instances/{name}/rebuild.
var InstancesRebuild = APIExtension{Name: "instances_rebuild", Since: "0.1", What: "instance rebuilds (image_change = \"rebuild\")"}

// RebuildInstance swaps the root file system of a stopped instance for a
// fresh one from img, keeping its name, configuration and volumes
// (POST /1.0/instances/{name}/rebuild). A server without the extension
// instances_rebuild is a Validation error that says so.
func (c *Client) RebuildInstance(ctx context.Context, s Scope, name string, img ImageSource) error {
	srv, s, err := c.server(s)
	if err != nil {
		return err
	}
	object := instanceObject(s, name)
	if err := c.CheckExtension(ctx, s, InstancesRebuild, object); err != nil {
		return err
	}
	src, err := c.source(s, img)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the rebuild request", object, c.remotes[s.Remote].Address, func() (incusclient.Operation, error) {
		return srv.RebuildInstance(name, api.InstanceRebuildPost{Source: src})
	})
	return c.blameInstance(ctx, err, s, instanceRequest{Image: &img})
}

// runningRefusal matches incusd's refusals of a change that a running
// instance cannot take (internal/server/instance/drivers: driver_common.go
// devicesAdd/devicesRemove for devices that cannot be hot-plugged, such as
// ipvlan NICs; driver_qemu.go for VM keys outside its live-update list).
var runningRefusal = regexp.MustCompile(`(?:Device cannot be (?:added|removed) when instance is running|Key "[^"]+" cannot be updated when VM is running|while the instance is running)`)

// IsRunningRefusal reports whether err is incusd refusing an update only
// because the instance runs: stopped, the same update would be taken.
func IsRunningRefusal(err error) bool {
	text, _, _ := serverText(err)
	return text != "" && runningRefusal.MatchString(text)
}

func init() {
	// Rebuild from an image the server lacks: the rebuild operation fails
	// "Image not provided for instance rebuild" (incusd 6.0.4).
	blameRules = append(blameRules, blameRule{
		re:    regexp.MustCompile(`^Image not provided for instance rebuild$`),
		blame: blameImage,
	})
}
