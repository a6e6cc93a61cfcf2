package incus

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// The config-object families against the real daemon (RACK_ACC_INCUS_SOCKET).
// Every object is named h8-c-<random>-... and deleted at the end.

func realClient(t *testing.T) (*Client, string) {
	t.Helper()
	sock := os.Getenv("RACK_ACC_INCUS_SOCKET")
	if sock == "" {
		t.Skip("RACK_ACC_INCUS_SOCKET is not set: no real Incus daemon")
	}
	c, err := New(Options{Remotes: map[string]Remote{"real": {Name: "real", Address: "unix://" + sock}}, DefaultRemote: "real"})
	if err != nil {
		t.Fatal(err)
	}
	return c, fmt.Sprintf("h8-c-%04x", rand.IntN(1<<16))
}

func realImage() string {
	if img := os.Getenv("RACK_ACC_INCUS_IMAGE"); img != "" {
		return img
	}
	return "rack-busybox"
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantConflict(t *testing.T, err error, importID string) {
	t.Helper()
	_ = asConflict(t, err, importID)
}

func asConflict(t *testing.T, err error, importID string) *clienterr.ConflictError {
	t.Helper()
	var ce *clienterr.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want a Conflict", err, err)
	}
	if ce.ImportID != importID {
		t.Fatalf("Conflict %v names import ID %q, want %q", err, ce.ImportID, importID)
	}
	return ce
}

func wantStale(t *testing.T, err error) {
	t.Helper()
	ce := asConflict(t, err, "")
	if ce.Status != 412 || !strings.Contains(err.Error(), "changed outside Terraform") {
		t.Fatalf("stale update: %v", err)
	}
}

func wantInUse(t *testing.T, err error, user string) {
	t.Helper()
	ce := asConflict(t, err, "")
	if !slices.ContainsFunc(ce.UsedBy, func(u string) bool { return strings.HasPrefix(u, user) }) {
		t.Fatalf("in-use Conflict %v lists %v, want %s", err, ce.UsedBy, user)
	}
}

func wantGone(t *testing.T, err error) {
	t.Helper()
	if !IsNotFound(err) {
		t.Fatalf("got %T %v, want NotFound", err, err)
	}
}

func TestRealProfile(t *testing.T) {
	c, p := realClient(t)
	ctx := context.Background()
	s, err := c.Resolve(Scope{})
	mustOK(t, err)
	name, renamed, inst := p+"-prof", p+"-prof2", p+"-inst"
	t.Cleanup(func() {
		_ = c.DeleteInstance(context.Background(), s, inst, true, 0)
		_ = c.DeleteProfile(context.Background(), s, name)
		_ = c.DeleteProfile(context.Background(), s, renamed)
	})

	spec := ProfileSpec{Name: name, ProfilePut: ProfilePut{Description: "one", Config: map[string]string{"limits.cpu": "1"}}}
	mustOK(t, c.CreateProfile(ctx, s, spec))
	wantConflict(t, c.CreateProfile(ctx, s, spec), ImportID(s, name))
	got, err := c.GetProfile(ctx, s, name)
	mustOK(t, err)
	if got.Description != "one" || got.Config["limits.cpu"] != "1" || got.ETag == "" || got.Project != s.Project {
		t.Fatalf("read back %+v", got)
	}
	mustOK(t, c.UpdateProfile(ctx, s, name, ProfilePut{Description: "two"}, got.ETag))
	wantStale(t, c.UpdateProfile(ctx, s, name, ProfilePut{Description: "three"}, got.ETag))

	wantConflict(t, c.RenameProfile(ctx, s, name, "default"), ImportID(s, "default"))
	mustOK(t, c.RenameProfile(ctx, s, name, renamed))
	wantGone(t, func() error { _, err := c.GetProfile(ctx, s, name); return err }())

	_, err = c.CreateInstance(ctx, s, InstanceSpec{Name: inst, Image: ImageSource{Name: realImage()}, Profiles: []string{"default", renamed}})
	mustOK(t, err)
	wantInUse(t, c.DeleteProfile(ctx, s, renamed), "/1.0/instances/"+inst)
	mustOK(t, c.DeleteInstance(ctx, s, inst, false, 0))
	mustOK(t, c.DeleteProfile(ctx, s, renamed))
	wantGone(t, c.DeleteProfile(ctx, s, renamed))
	var perm *clienterr.PermissionError
	if err := c.DeleteProfile(ctx, s, "default"); !errors.As(err, &perm) {
		t.Fatalf("deleting the default profile: %v, want Permission", err)
	}
}

func TestRealProject(t *testing.T) {
	c, p := realClient(t)
	ctx := context.Background()
	s, err := c.Resolve(Scope{})
	mustOK(t, err)
	name, renamed := p+"-proj", p+"-proj2"
	t.Cleanup(func() {
		for _, n := range []string{name, renamed} {
			_ = c.DeleteProjectContents(context.Background(), s, n, 0)
			_ = c.DeleteProject(context.Background(), s, n)
		}
	})
	// Images from the default project, own profiles and volumes.
	spec := ProjectSpec{Name: name, ProjectPut: ProjectPut{Description: "lab", Config: map[string]string{
		"features.images": "false", "features.profiles": "true", "features.storage.volumes": "true"}}}
	mustOK(t, c.CreateProject(ctx, s, spec))
	wantConflict(t, c.CreateProject(ctx, s, spec), ServerImportID(s.Remote, name))
	got, err := c.GetProject(ctx, s, name)
	mustOK(t, err)
	if got.Description != "lab" || got.ETag == "" || got.Config["features.profiles"] != "true" {
		t.Fatalf("read back %+v", got)
	}
	put := got.ProjectPut
	put.Description = "lab2"
	mustOK(t, c.UpdateProject(ctx, s, name, put, got.ETag))
	put.Description = "lab3"
	wantStale(t, c.UpdateProject(ctx, s, name, put, got.ETag))
	wantConflict(t, c.RenameProject(ctx, s, name, "default"), ServerImportID(s.Remote, "default"))
	mustOK(t, c.RenameProject(ctx, s, name, renamed))
	wantGone(t, func() error { _, err := c.GetProject(ctx, s, name); return err }())

	// Fill it: a profile, a volume, an instance (its root disk from the project's default profile).
	in := Scope{Remote: s.Remote, Project: renamed}
	def, err := c.GetProfile(ctx, in, "default")
	mustOK(t, err)
	mustOK(t, c.UpdateProfile(ctx, in, "default", ProfilePut{Devices: map[string]map[string]string{
		"root": {"type": "disk", "path": "/", "pool": "default"}}}, def.ETag))
	mustOK(t, c.CreateProfile(ctx, in, ProfileSpec{Name: "extra"}))
	mustOK(t, c.CreateStorageVolume(ctx, in, StorageVolumeSpec{Name: "vol", Pool: "default"}))
	_, err = c.CreateInstance(ctx, in, InstanceSpec{Name: "box", Image: ImageSource{Name: realImage()}, Start: true})
	mustOK(t, err)

	contents, err := c.ProjectContents(ctx, s, renamed)
	mustOK(t, err)
	if !slices.Equal(contents.Instances, []string{"box"}) || !slices.Equal(contents.Profiles, []string{"extra"}) ||
		!slices.Equal(contents.Volumes, []string{"default/vol"}) || !contents.DefaultProfile {
		t.Fatalf("contents %+v", contents)
	}
	wantInUse(t, c.DeleteProject(ctx, s, renamed), "/1.0/instances/box")
	var opErr *clienterr.OperationError
	if err := c.RenameProject(ctx, s, renamed, name); !errors.As(err, &opErr) {
		t.Fatalf("renaming a project that is not empty: %v, want the failed operation", err)
	}

	mustOK(t, c.DeleteProjectContents(ctx, s, renamed, time.Second))
	contents, err = c.ProjectContents(ctx, s, renamed)
	mustOK(t, err)
	if !contents.Empty() {
		t.Fatalf("after force: %+v", contents)
	}
	mustOK(t, c.DeleteProject(ctx, s, renamed))
	wantGone(t, c.DeleteProject(ctx, s, renamed))
}

func TestRealStorage(t *testing.T) {
	c, p := realClient(t)
	ctx := context.Background()
	s, err := c.Resolve(Scope{})
	mustOK(t, err)
	pool, pool2, vol, vol2, inst := p+"-pool", p+"-pool2", p+"-vol", p+"-vol2", p+"-inst"
	t.Cleanup(func() {
		bg := context.Background()
		_ = c.DeleteInstance(bg, s, inst, true, 0)
		for _, pl := range []string{pool, pool2} {
			for _, v := range []string{vol, vol2, "copy", "copy2"} {
				_ = c.DeleteStorageVolume(bg, s, pl, v)
			}
			_ = c.DeleteStoragePool(bg, s, pl)
		}
	})

	// Pools.
	mustOK(t, c.CreateStoragePool(ctx, s, StoragePoolSpec{Name: pool, Driver: "dir", StoragePoolPut: StoragePoolPut{Description: "one"}}))
	wantConflict(t, c.CreateStoragePool(ctx, s, StoragePoolSpec{Name: pool, Driver: "dir"}), ServerImportID(s.Remote, pool))
	sp, err := c.GetStoragePool(ctx, s, pool)
	mustOK(t, err)
	if sp.Driver != "dir" || sp.Description != "one" || sp.Config["source"] == "" || sp.ETag == "" {
		t.Fatalf("pool read back %+v", sp)
	}
	mustOK(t, c.UpdateStoragePool(ctx, s, pool, StoragePoolPut{Description: "two", Config: sp.Config}, sp.ETag))
	wantStale(t, c.UpdateStoragePool(ctx, s, pool, StoragePoolPut{Description: "three", Config: sp.Config}, sp.ETag))
	mustOK(t, c.CreateStoragePool(ctx, s, StoragePoolSpec{Name: pool2, Driver: "dir"}))

	// Volumes.
	spec := StorageVolumeSpec{Name: vol, Pool: pool, StorageVolumePut: StorageVolumePut{Description: "data", Config: map[string]string{"size": "64MiB"}}}
	mustOK(t, c.CreateStorageVolume(ctx, s, spec))
	wantConflict(t, c.CreateStorageVolume(ctx, s, spec), ImportID(s, pool, vol))
	v, err := c.GetStorageVolume(ctx, s, pool, vol)
	mustOK(t, err)
	if v.Description != "data" || v.ContentType != "filesystem" || v.Location == "" || v.ETag == "" || v.Project != s.Project {
		t.Fatalf("volume read back %+v", v)
	}
	// incusd 6.0.4's volume ETag covers the config, not the description:
	// the change outside Terraform is a config change.
	changed := copyConfig(v.Config)
	changed["user.note"] = "outside"
	mustOK(t, c.UpdateStorageVolume(ctx, s, pool, vol, StorageVolumePut{Description: "data2", Config: changed}, v.ETag))
	wantStale(t, c.UpdateStorageVolume(ctx, s, pool, vol, StorageVolumePut{Description: "data3", Config: v.Config}, v.ETag))
	mustOK(t, c.CreateStorageVolume(ctx, s, StorageVolumeSpec{Name: vol2, Pool: pool, ContentType: "block", StorageVolumePut: StorageVolumePut{Config: map[string]string{"size": "16MiB"}}}))
	wantConflict(t, c.RenameStorageVolume(ctx, s, pool, vol2, vol), ImportID(s, pool, vol))
	wantGone(t, func() error { _, err := c.GetStorageVolume(ctx, s, "h8-c-no-such-pool", vol); return err }())

	// Copies: same pool, another pool, and a missing source.
	mustOK(t, c.CreateStorageVolume(ctx, s, StorageVolumeSpec{Name: "copy", Pool: pool, Source: &VolumeSource{Name: vol}}))
	mustOK(t, c.CreateStorageVolume(ctx, s, StorageVolumeSpec{Name: "copy2", Pool: pool2, Source: &VolumeSource{Pool: pool, Name: vol}}))
	if cp, err := c.GetStorageVolume(ctx, s, pool2, "copy2"); err != nil || cp.ContentType != "filesystem" {
		t.Fatalf("copy read back %+v %v", cp, err)
	}
	var nfe *clienterr.NotFoundError
	if err := c.CreateStorageVolume(ctx, s, StorageVolumeSpec{Name: "copy3", Pool: pool, Source: &VolumeSource{Name: "h8-c-none"}}); !errors.As(err, &nfe) || !strings.Contains(nfe.Object, `"h8-c-none"`) {
		t.Fatalf("copy of a missing volume: %v", err)
	}

	// Snapshots.
	snap := StorageVolumeSnapshotSpec{Name: "s1", StorageVolumeSnapshotPut: StorageVolumeSnapshotPut{Description: "first"}}
	mustOK(t, c.CreateStorageVolumeSnapshot(ctx, s, pool, vol, snap))
	wantConflict(t, c.CreateStorageVolumeSnapshot(ctx, s, pool, vol, snap), ImportID(s, pool, vol, "s1"))
	sn, err := c.GetStorageVolumeSnapshot(ctx, s, pool, vol, "s1")
	mustOK(t, err)
	if sn.Description != "first" || !sn.ExpiresAt.IsZero() || sn.ETag == "" {
		t.Fatalf("snapshot read back %+v", sn)
	}
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	mustOK(t, c.UpdateStorageVolumeSnapshot(ctx, s, pool, vol, "s1", StorageVolumeSnapshotPut{Description: "x", ExpiresAt: expires}, sn.ETag))
	wantStale(t, c.UpdateStorageVolumeSnapshot(ctx, s, pool, vol, "s1", StorageVolumeSnapshotPut{Description: "y"}, sn.ETag))
	if sn, err = c.GetStorageVolumeSnapshot(ctx, s, pool, vol, "s1"); err != nil || !sn.ExpiresAt.Equal(expires) {
		t.Fatalf("expiry %+v %v", sn, err)
	}
	mustOK(t, c.CreateStorageVolumeSnapshot(ctx, s, pool, vol, StorageVolumeSnapshotSpec{Name: "s2"}))
	wantConflict(t, c.RenameStorageVolumeSnapshot(ctx, s, pool, vol, "s2", "s1"), ImportID(s, pool, vol, "s1"))
	mustOK(t, c.RenameStorageVolumeSnapshot(ctx, s, pool, vol, "s2", "s3"))
	mustOK(t, c.DeleteStorageVolumeSnapshot(ctx, s, pool, vol, "s3"))
	wantGone(t, c.DeleteStorageVolumeSnapshot(ctx, s, pool, vol, "s3"))

	// Rename, then in use by an instance.
	mustOK(t, c.RenameStorageVolume(ctx, s, pool, vol, "renamed"))
	mustOK(t, c.RenameStorageVolume(ctx, s, pool, "renamed", vol))
	_, err = c.CreateInstance(ctx, s, InstanceSpec{Name: inst, Image: ImageSource{Name: realImage()},
		Devices: map[string]map[string]string{"data": {"type": "disk", "pool": pool, "source": vol, "path": "/mnt"}}})
	mustOK(t, err)
	wantInUse(t, c.DeleteStorageVolume(ctx, s, pool, vol), "/1.0/instances/"+inst)
	wantInUse(t, c.DeleteStoragePool(ctx, s, pool), "/1.0/storage-pools/"+pool+"/volumes/custom/")
	mustOK(t, c.DeleteInstance(ctx, s, inst, false, 0))
	for _, n := range []string{vol, vol2, "copy"} {
		mustOK(t, c.DeleteStorageVolume(ctx, s, pool, n))
	}
	wantGone(t, c.DeleteStorageVolume(ctx, s, pool, vol))
	mustOK(t, c.DeleteStorageVolume(ctx, s, pool2, "copy2"))

	// Buckets need MinIO, which this daemon lacks: a clear Validation error.
	err = c.CreateStorageBucket(ctx, s, StorageBucketSpec{Name: p + "-bucket", Pool: pool})
	var val *clienterr.ValidationError
	if !errors.As(err, &val) || !strings.Contains(val.Hint, "MinIO") {
		t.Fatalf("bucket on a server without MinIO: %T %v", err, err)
	}
	t.Logf("bucket create answers: %v", err)
	wantGone(t, func() error { _, err := c.GetStorageBucket(ctx, s, pool, p+"-bucket"); return err }())

	mustOK(t, c.DeleteStoragePool(ctx, s, pool))
	mustOK(t, c.DeleteStoragePool(ctx, s, pool2))
	wantGone(t, c.DeleteStoragePool(ctx, s, pool))
}
