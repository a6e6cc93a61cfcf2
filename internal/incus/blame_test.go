package incus

import (
	"errors"
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// The texts below are incusd 6.0.4's answers, recorded in
// docs-internal/incus-error-texts.md.

const testOpID = "4f9387ab-b9fb-4250-83da-f19a29e8a227"

// refused is how the client types a request incusd refused outright.
func refused(status int, text string) error {
	return classify(api.StatusErrorf(status, "%s", text), `instance "web" (project "dev", remote "lab")`, "unix:///x")
}

// failed is how the client types a failed operation.
func failed(desc, text string) error {
	return &clienterr.OperationError{
		Info:        clienterr.Info{Object: `instance "web" (project "dev", remote "lab")`, Message: text},
		OperationID: testOpID, Description: desc, OpStatus: "Failure",
	}
}

func TestBlameRealTexts(t *testing.T) {
	s := Scope{Remote: "lab", Project: "dev"}
	local := &ImageSource{Name: "rack-busyboxx"}
	cases := []struct {
		name       string
		err        error
		req        instanceRequest
		wantObject string
		wantHint   string // a part of the hint
		wantStatus int
	}{
		{
			name: "project missing on create", err: refused(404, "Failed loading project: Project not found"),
			wantObject: `project "dev" (remote "lab")`, wantHint: "incus project list lab:", wantStatus: 404,
		},
		{
			name: "project missing on read, update, start", err: refused(404, "Project not found"),
			wantObject: `project "dev" (remote "lab")`, wantHint: "incus project create lab:dev", wantStatus: 404,
		},
		{
			name: "profile missing on create", err: refused(500, `Requested profile "nosuchprof" doesn't exist`),
			req:        instanceRequest{Profiles: []string{"default", "nosuchprof"}},
			wantObject: `profile "nosuchprof" (project "dev", remote "lab")`, wantHint: "incus profile list lab: --project dev", wantStatus: 500,
		},
		{
			name: "profile missing on update", err: refused(404, "Profile not found"),
			req: instanceRequest{Profiles: []string{"default", "gone"}, existingProfiles: func() ([]string, error) {
				return []string{"other", "default"}, nil
			}},
			wantObject: `profile "gone" (project "dev", remote "lab")`, wantHint: "create it in project \"dev\"", wantStatus: 404,
		},
		{
			name: "profile missing on update, profiles unreadable", err: refused(404, "Profile not found"),
			req: instanceRequest{Profiles: []string{"default", "gone"}, existingProfiles: func() ([]string, error) {
				return nil, errors.New("no")
			}},
			wantObject: `one of the profiles "default", "gone" (project "dev", remote "lab")`, wantHint: "incus profile list", wantStatus: 404,
		},
		{
			name: "alias missing", err: failed("Creating instance", "Image not provided for instance creation"),
			req:        instanceRequest{Image: local},
			wantObject: `image "rack-busyboxx" (project "dev", remote "lab")`, wantHint: "`incus image list lab: --project dev`",
		},
		{
			name: "fingerprint missing", err: failed("Creating instance", "Image not provided for instance creation"),
			req:        instanceRequest{Image: &ImageSource{Remote: "lab", Name: "0123456789abcdef"}},
			wantObject: `image "0123456789abcdef" (project "dev", remote "lab")`, wantHint: "alias or fingerprint \"0123456789abcdef\"",
		},
		{
			name:       "alias missing on an image server",
			err:        failed("Creating instance", "Failed getting remote image info: Failed getting image: The requested image couldn't be found"),
			req:        instanceRequest{Image: &ImageSource{Remote: "images", Name: "debian/99"}},
			wantObject: `image "images:debian/99"`, wantHint: "`incus image list images:`",
		},
		{
			name: "network missing on create",
			err: failed("Creating instance", `Failed creating instance record: Failed initializing instance: Invalid devices: Device validation failed for "eth0": `+
				`Failed loading device "eth0": Failed to load network "nosuchnet" for project "default": Network not found`),
			wantObject: `network "nosuchnet" (project "default", remote "lab")`,
			wantHint:   `Device "eth0" uses network "nosuchnet", which does not exist`,
		},
		{
			name: "network missing on update",
			err: failed("Updating instance", `Invalid devices: Device validation failed for "lan": `+
				`Failed loading device "lan": Failed to load network "nosuchnet" for project "dev": Network not found`),
			wantObject: `network "nosuchnet" (project "dev", remote "lab")`,
			wantHint:   `Device "lan" uses network "nosuchnet"`,
		},
		{
			name: "pool missing on create",
			err: failed("Creating instance", `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": `+
				`Failed to get storage pool "nosuchpool": Storage pool not found`),
			wantObject: `storage pool "nosuchpool" (remote "lab")`,
			wantHint:   `Device "data" uses storage pool "nosuchpool", which does not exist`,
		},
		{
			name:       "pool missing on update",
			err:        failed("Updating instance", `Failed add validation for device "data": Failed to get storage pool "nosuchpool": Storage pool not found`),
			wantObject: `storage pool "nosuchpool" (remote "lab")`, wantHint: "incus storage list lab:",
		},
		{
			name: "root disk pool missing on create",
			err:  failed("Creating instance", "Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found"),
			req: instanceRequest{Devices: map[string]map[string]string{
				"eth0": {"type": "nic", "network": "lan"},
				"root": {"type": "disk", "path": "/", "pool": "nosuchpool"},
			}},
			wantObject: `storage pool "nosuchpool" (remote "lab")`, wantHint: `Device "root" uses storage pool "nosuchpool"`,
		},
		{
			name: "volume missing on create",
			err: failed("Creating instance", `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": `+
				`Failed loading custom volume: Storage volume not found`),
			req:        instanceRequest{Devices: map[string]map[string]string{"data": {"type": "disk", "pool": "default", "source": "vol1", "path": "/data"}}},
			wantObject: `storage volume "vol1" (pool "default", project "dev", remote "lab")`, wantHint: "incus storage volume list lab:default --project dev",
		},
		{
			name: "source path missing on create",
			err: failed("Creating instance", `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": `+
				`Missing source path "/nonexistent/path" for disk "data"`),
			wantObject: `host path "/nonexistent/path" (remote "lab")`, wantHint: `Device "data" mounts "/nonexistent/path"`,
		},
		{
			name:       "source path missing on update",
			err:        failed("Updating instance", `Failed add validation for device "data": Missing source path "/nonexistent/path" for disk "data"`),
			wantObject: `host path "/nonexistent/path" (remote "lab")`, wantHint: "does not exist on the Incus server",
		},
		{
			name:       "bridge parent missing on start",
			err:        failed("Starting instance", `Failed to start device "eth0": Parent device "nosuchbr" doesn't exist`),
			wantObject: `host network interface "nosuchbr" (remote "lab")`, wantHint: `Device "eth0" uses parent "nosuchbr"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := blame(tc.err, s, tc.req)
			var nf *clienterr.NotFoundError
			if !errors.As(got, &nf) {
				t.Fatalf("blame = %T %v, want a NotFoundError", got, got)
			}
			if nf.Object != tc.wantObject {
				t.Errorf("Object = %s\nwant     %s", nf.Object, tc.wantObject)
			}
			if !strings.Contains(nf.Hint, tc.wantHint) {
				t.Errorf("Hint = %s\nwant it to contain %s", nf.Hint, tc.wantHint)
			}
			if nf.Status != tc.wantStatus {
				t.Errorf("Status = %d, want %d", nf.Status, tc.wantStatus)
			}
			var op *clienterr.OperationError
			if errors.As(tc.err, &op) {
				// The failed operation stays the cause: its ID and text show in the detail.
				var inner *clienterr.OperationError
				if !errors.As(got, &inner) || inner.OperationID != testOpID {
					t.Errorf("the operation is no longer in the chain: %v", got)
				}
				if !strings.Contains(got.Error(), testOpID) || !strings.Contains(got.Error(), op.Message) {
					t.Errorf("Error() = %s\nwant the operation ID and the server text", got.Error())
				}
			} else if !strings.Contains(got.Error(), tc.err.(interface{ Unwrap() error }).Unwrap().Error()) {
				t.Errorf("Error() = %s, want the server text", got.Error())
			}
		})
	}
}

// Texts the table does not know, and known texts whose object the request
// does not name, pass through unchanged.
func TestBlamePassesThrough(t *testing.T) {
	s := Scope{Remote: "lab", Project: "dev"}
	cases := []struct {
		name string
		err  error
		req  instanceRequest
	}{
		{"instance missing", refused(404, `Failed to fetch instance "web" in project "dev": Instance not found`), instanceRequest{}},
		{"unknown key", failed("Creating instance", "Failed creating instance record: Unknown configuration key: rack.nonsense"), instanceRequest{}},
		{"root pool change refused", failed("Updating instance", `Cannot update root disk device pool name to "nosuchpool"`), instanceRequest{}},
		{"root pool from a profile", failed("Creating instance", "Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found"), instanceRequest{}},
		{"image text on a request without image", failed("Creating instance", "Image not provided for instance creation"), instanceRequest{}},
		{"profile text, every profile exists", refused(404, "Profile not found"), instanceRequest{Profiles: []string{"default"}, existingProfiles: func() ([]string, error) {
			return []string{"default"}, nil
		}}},
		{"volume of a profile's disk", failed("Creating instance", `Failed add validation for device "data": Failed loading custom volume: Storage volume not found`), instanceRequest{}},
		{"conflict", refused(409, "Instance already exists"), instanceRequest{}},
		{"timeout", &clienterr.TimeoutError{WaitingFor: "x"}, instanceRequest{}},
		{"a longer text that contains a known one", failed("Starting instance", `Failed to start device "eth0": Parent device "br" doesn't exist (and more)`), instanceRequest{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := blame(tc.err, s, tc.req); got != tc.err { //nolint:errorlint // the very same error is wanted back
				t.Fatalf("blame changed %v into %v", tc.err, got)
			}
		})
	}
	if blame(nil, s, instanceRequest{}) != nil {
		t.Fatal("blame(nil) is not nil")
	}
}
