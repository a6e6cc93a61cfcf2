package incus

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

func TestImportIDFormats(t *testing.T) {
	s := Scope{Remote: "local", Project: "lab"}
	cases := map[string]string{
		ServerImportID("local", "lab"):             "local:lab",              // project, storage pool
		ImportID(s, "web"):                         "local:lab/web",          // instance, profile
		ImportID(s, "default", "data"):             "local:lab/default/data", // volume, bucket
		ImportID(s, "default", "data", "snap0"):    "local:lab/default/data/snap0",
		ImportID(s, "default", "bucket", "reader"): "local:lab/default/bucket/reader",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("import ID %q, want %q", got, want)
		}
	}
}

// incusd 6.0.4's answers, recorded with curl on its unix socket.
func TestTakenNamesBecomeConflicts(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"profile create 500", api.StatusErrorf(500, `Error inserting "web" into database: The profile already exists`)},
		{"profile rename 500", api.StatusErrorf(500, `Profile "default" already exists`)},
		{"project create 500", api.StatusErrorf(500, `Failed creating project "lab": Failed adding database record: Failed to create "projects" entry: UNIQUE constraint failed: projects.name`)},
		{"pool create 409", api.StatusErrorf(409, "The storage pool already exists: The record already exists")},
		{"volume create 409", api.StatusErrorf(409, "Volume by that name already exists")},
		{"snapshot create 409", api.StatusErrorf(409, `Snapshot "s1" already in use`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := taken(classify(tc.err, "x", ""), "local:default/web")
			var ce *clienterr.ConflictError
			if !errors.As(err, &ce) || ce.ImportID != "local:default/web" {
				t.Fatalf("got %T %v, want a Conflict naming the import ID", err, err)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("the cause is lost: %v", err)
			}
		})
	}
	// A project renamed onto a taken name fails as an operation.
	op := &clienterr.OperationError{Info: clienterr.Info{Message: `A project named "lab" already exists`}, OperationID: "abc"}
	var ce *clienterr.ConflictError
	if err := taken(op, "local:lab"); !errors.As(err, &ce) || ce.ImportID != "local:lab" || !errors.Is(err, op) {
		t.Fatalf("failed rename operation: %v", err)
	}
	// Another refusal stays what it was.
	other := classify(api.StatusErrorf(400, `Invalid value for config key "limits.cpu"`), "x", "")
	if err := taken(other, "id"); errors.As(err, &ce) {
		t.Fatalf("a validation error became %v", err)
	}
}

func TestStaleETagIsAConflictThatSaysApplyAgain(t *testing.T) {
	err := classify(api.StatusErrorf(412, "ETag doesn't match: 2ab1 vs 77aa"), `profile "web" (project "default", remote "local")`, "")
	var ce *clienterr.ConflictError
	if !errors.As(err, &ce) || ce.Status != 412 {
		t.Fatalf("got %T %v", err, err)
	}
	for _, want := range []string{"changed outside Terraform since it was read", "apply again", "ETag doesn't match"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err.Error(), want)
		}
	}
	if ce.ImportID != "" {
		t.Errorf("a stale update names an import ID: %q", ce.ImportID)
	}
	// taken leaves a stale update alone: it is not a taken name.
	if taken(err, "id").(*clienterr.ConflictError).ImportID != "" { //nolint:errorlint // taken returns it as it is
		t.Error("taken gave a stale update an import ID")
	}
}

func TestInUseDeletesBecomeConflictsWithUsedBy(t *testing.T) {
	users := []string{"/1.0/instances/web", "/1.0/profiles/big?project=lab"}
	cases := []struct {
		name string
		err  error
	}{
		{"profile 500", api.StatusErrorf(500, "Profile is currently in use")},
		{"pool 400", api.StatusErrorf(400, "The storage pool is currently in use")},
		{"volume 400", api.StatusErrorf(400, "The storage volume is still in use")},
		{"project 500", api.StatusErrorf(500, "Only empty projects can be removed.")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			read := 0
			err := refusedInUse(context.Background(), classify(tc.err, "x", ""), func(context.Context) ([]string, error) {
				read++
				return users, nil
			})
			var ce *clienterr.ConflictError
			if !errors.As(err, &ce) || !reflect.DeepEqual(ce.UsedBy, users) || read != 1 {
				t.Fatalf("got %T %v (read %d)", err, err, read)
			}
			for _, want := range []string{`instance "web"`, `profile "big" (project "lab")`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not name %s", err.Error(), want)
				}
			}
			if ce.Hint == "" || !errors.Is(err, tc.err) {
				t.Errorf("no hint or lost cause: %+v", ce)
			}
		})
	}
	notFound := classify(api.StatusErrorf(404, "Profile not found"), "x", "")
	if err := refusedInUse(context.Background(), notFound, func(context.Context) ([]string, error) {
		t.Fatal("read used_by for a not-found")
		return nil, nil
	}); !IsNotFound(err) {
		t.Fatalf("not found became %v", err)
	}
}

func TestDescribeUsedBy(t *testing.T) {
	cases := map[string]string{
		"/1.0/instances/web":                                       `instance "web"`,
		"/1.0/instances/web?project=lab":                           `instance "web" (project "lab")`,
		"/1.0/profiles/default?project=lab":                        `profile "default" (project "lab")`,
		"/1.0/storage-pools/fast/volumes/custom/data":              `custom volume "data" of pool "fast"`,
		"/1.0/storage-pools/fast/volumes/custom/data/snapshots/s0": `snapshot "s0" of custom volume "data" of pool "fast"`,
		"/1.0/storage-pools/fast/buckets/b?project=lab":            `storage bucket "b" of pool "fast" (project "lab")`,
		"/1.0/images/c55bd9f30b78":                                 `image "c55bd9f30b78"`,
		"/1.0/networks/ovn1/peers/r1?project=lab":                  `network peer "r1" of network "ovn1" (project "lab")`,
		"/1.0/something/else/entirely":                             "/1.0/something/else/entirely",
	}
	for in, want := range cases {
		if got := DescribeUsedBy(in); got != want {
			t.Errorf("DescribeUsedBy(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProjectContentsFromUsedBy(t *testing.T) {
	got := contentsOf([]string{
		"/1.0/profiles/default?project=lab",
		"/1.0/profiles/web?project=lab",
		"/1.0/instances/i1?project=lab",
		"/1.0/images/c55b?project=lab",
		"/1.0/storage-pools/default/volumes/custom/data?project=lab",
		"/1.0/storage-pools/default/buckets/b1?project=lab",
		"/1.0/networks/lan?project=lab",
		"/1.0/network-acls/web?project=lab",
	})
	want := &ProjectContents{
		Instances: []string{"i1"}, Images: []string{"c55b"}, Volumes: []string{"default/data"},
		Buckets: []string{"default/b1"}, Profiles: []string{"web"}, Networks: []string{"lan"},
		Other: []string{"/1.0/network-acls/web?project=lab"}, DefaultProfile: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got.Empty() || !contentsOf([]string{"/1.0/profiles/default?project=lab"}).Empty() {
		t.Fatal("Empty is wrong")
	}
}

func TestBlameObjectNamesTheMissingParent(t *testing.T) {
	s := Scope{Remote: "local", Project: "lab"}
	cases := []struct {
		name, text, object string
	}{
		{"project of a profile", `Failed loading project "lab": Project not found`, `project "lab" (remote "local")`},
		{"project of a volume", `Failed to load project "lab": Project not found`, `project "lab" (remote "local")`},
		{"pool of a volume", "Storage pool not found", `storage pool "fast" (remote "local")`},
		{"pool of a bucket", "Failed loading storage pool: Storage pool not found", `storage pool "fast" (remote "local")`},
		{"bucket of a key", "Failed creating storage bucket key: Storage bucket not found", `storage bucket "b1" (pool "fast", project "lab", remote "local")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := api.StatusErrorf(404, "%s", tc.text)
			err := blameObject(classify(raw, "the object", ""), s, "fast", "b1")
			var nfe *clienterr.NotFoundError
			if !errors.As(err, &nfe) || nfe.Object != tc.object || nfe.Hint == "" || nfe.Status != 404 {
				t.Fatalf("got %v (%+v), want NotFound of %s", err, nfe, tc.object)
			}
		})
	}
	copyOp := &clienterr.OperationError{Info: clienterr.Info{Message: `Failed generating volume copy config: Storage volume "src" in project "other" of type "custom" does not exist on pool "slow": Storage volume not found`}, OperationID: "op1"}
	var nfe *clienterr.NotFoundError
	if err := blameObject(copyOp, s, "fast", ""); !errors.As(err, &nfe) || nfe.Object != `storage volume "src" (pool "slow", project "other", remote "local")` || !errors.Is(err, copyOp) {
		t.Fatalf("copy source: %v", err)
	}
	// The object's own not-found is left alone.
	own := classify(api.StatusErrorf(404, "Storage pool volume not found"), "the object", "")
	if err := blameObject(own, s, "fast", ""); err != own { //nolint:errorlint // unchanged means the same value
		t.Fatalf("own not-found changed: %v", err)
	}
}

func TestBucketsWithoutMinIOAreAClearValidationError(t *testing.T) {
	raw := api.StatusErrorf(500, "Failed creating storage bucket: Failed connecting to bucket: Couldn't find the MinIO client tool")
	err := bucketsUnsupported(classify(raw, "b", ""), "local")
	var v *clienterr.ValidationError
	if !errors.As(err, &v) || !strings.Contains(v.Hint, "MinIO") || !strings.Contains(err.Error(), "Couldn't find the MinIO client tool") {
		t.Fatalf("got %T %v hint %q", err, err, v.Hint)
	}
}
