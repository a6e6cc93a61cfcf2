package mockhost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario is a series of requests, each with incusd 6.0.4's answer
// (docs-internal/incus-error-texts.md). Like TestIncusErrorTexts they run
// on the fake and, when RACK_ACC_INCUS_SOCKET names its socket, on a real
// incusd, so the fake cannot drift from it.
type scenarioStep struct {
	method, path, body string // %[1]s in path and body: the scenario's name prefix
	ifMatch            string
	status             int    // HTTP status; 202 waits for the operation
	text               string // error text (of the operation, after 202); a trailing "*" matches a prefix
	has                []string
}

// mockAndRealSockets starts a fake incusd for the test and returns its
// socket as "mock", with the real incusd's as "real" when
// RACK_ACC_INCUS_SOCKET names one.
func mockAndRealSockets(t *testing.T) map[string]string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rack-mock-") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := StartIncus(filepath.Join(dir, "incus.sock"), "rack-busybox")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	hosts := map[string]string{"mock": m.Socket()}
	if s := os.Getenv("RACK_ACC_INCUS_SOCKET"); s != "" {
		hosts["real"] = s
	}
	return hosts
}

func runScenario(t *testing.T, steps []scenarioStep, cleanup []string) {
	runScenarioOn(t, mockAndRealSockets(t), steps, cleanup)
}

// runScenarioOn runs the steps on each host (name: socket).
func runScenarioOn(t *testing.T, hosts map[string]string, steps []scenarioStep, cleanup []string) {
	for hostName, socket := range hosts {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			prefix := "rack-" + randomHex()
			fill := func(s string) string { return strings.ReplaceAll(s, "%[1]s", prefix) }
			defer func() {
				for _, c := range cleanup {
					method, path, _ := strings.Cut(fill(c), " ")
					if method == "STOP" {
						h.forget(strings.TrimPrefix(path, "/1.0/instances/"))
						continue
					}
					status, env := h.do(method, path, "")
					if status == 202 {
						h.do("GET", "/1.0/operations/"+opID(env)+"/wait?timeout=30", "")
					}
				}
			}()
			for i, st := range steps {
				path, body := fill(st.path), fill(st.body)
				status, env := h.doWith(st.method, path, body, st.ifMatch)
				if status == 202 && st.status == 202 {
					_, env = h.do("GET", "/1.0/operations/"+opID(env)+"/wait?timeout=30", "")
					if env.Type != "error" && !strings.Contains(string(env.Metadata), `"status":"Success"`) {
						t.Fatalf("step %d: %s %s: the operation did not end: %s", i, st.method, path, env.Metadata)
					}
					status = 202
				}
				if status != st.status || !textMatches(env.Error, fill(st.text)) {
					t.Fatalf("step %d: %s %s: got HTTP %d %q, want HTTP %d %q", i, st.method, path, status, env.Error, st.status, fill(st.text))
				}
				for _, want := range st.has {
					if !strings.Contains(string(env.Metadata), fill(want)) {
						t.Fatalf("step %d: %s %s: metadata %s lacks %s", i, st.method, path, env.Metadata, fill(want))
					}
				}
			}
		})
	}
}

func textMatches(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(got, p)
	}
	return got == want
}

func opID(env envelope) string {
	var op struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(env.Metadata, &op)
	return op.ID
}

func TestIncusProjectsAndProfiles(t *testing.T) {
	image := os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = "rack-busybox"
	}
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s-a","config":{"features.profiles":"false"}}`, status: 201},
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s-a"}`, status: 500,
			text: `Failed creating project "%[1]s-a": Failed adding database record: Failed to create "projects" entry: UNIQUE constraint failed: projects.name`},
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s/x"}`, status: 400, text: "Project names may not contain slashes"},
		{method: "GET", path: "/1.0/projects/%[1]s-a", status: 200,
			has: []string{`"features.images":"true"`, `"features.profiles":"false"`, `"features.storage.volumes":"true"`, `"used_by":[]`}},
		{method: "PUT", path: "/1.0/projects/%[1]s-a", body: `{"config":{}}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PUT", path: "/1.0/projects/%[1]s-a", body: `{"config":{"bogus.key":"1"}}`, status: 400, text: `Invalid project configuration key "bogus.key"`},
		// Without features.profiles the project uses the default project's profiles.
		{method: "POST", path: "/1.0/profiles?project=%[1]s-a", body: `{"name":"%[1]s-shared"}`, status: 201},
		{method: "GET", path: "/1.0/profiles/%[1]s-shared", status: 200, has: []string{`"project":"default"`}},
		{method: "DELETE", path: "/1.0/profiles/%[1]s-shared?project=%[1]s-a", status: 200},
		{method: "GET", path: "/1.0/profiles?project=%[1]s-nope", status: 404, text: `Failed loading project "%[1]s-nope": Project not found`},
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s-b","config":{"features.images":"false"}}`, status: 201},
		{method: "GET", path: "/1.0/projects/%[1]s-b", status: 200, has: []string{`"used_by":["/1.0/profiles/default?project=%[1]s-b"]`}},
		{method: "GET", path: "/1.0/profiles/default?project=%[1]s-b", status: 200, has: []string{`"devices":{}`, `"project":"%[1]s-b"`}},
		{method: "POST", path: "/1.0/profiles/default?project=%[1]s-b", body: `{"name":"x"}`, status: 403, text: `The "default" profile cannot be renamed`},
		{method: "DELETE", path: "/1.0/profiles/default?project=%[1]s-b", status: 403, text: `The "default" profile cannot be deleted`},
		{method: "POST", path: "/1.0/profiles?project=%[1]s-b", body: `{"name":"%[1]s-p","devices":{"x":{"type":"bogus"}}}`, status: 400,
			text: `Device validation failed for "x": Failed loading device "x": Unsupported device type`},
		{method: "POST", path: "/1.0/profiles?project=%[1]s-b", body: `{"name":"%[1]s-p","config":{"bogus":"1"}}`, status: 400, text: "Unknown configuration key: bogus"},
		{method: "POST", path: "/1.0/profiles?project=%[1]s-b", body: `{"name":"%[1]s-p","config":{"limits.cpu":"1"},"devices":{"root":{"type":"disk","path":"/","pool":"default"}}}`, status: 201},
		{method: "POST", path: "/1.0/profiles?project=%[1]s-b", body: `{"name":"%[1]s-p"}`, status: 500,
			text: `Error inserting "%[1]s-p" into database: The profile already exists`},
		{method: "GET", path: "/1.0/profiles/%[1]s-p?project=%[1]s-nothere", status: 404, text: `Failed loading project "%[1]s-nothere": Project not found`},
		{method: "GET", path: "/1.0/profiles/%[1]s-q?project=%[1]s-b", status: 404, text: "Fetch profile: Profile not found"},
		{method: "PATCH", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", body: `{"config":{"limits.memory":"1GiB"}}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PATCH", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", body: `{"config":{"limits.memory":"1GiB"}}`, status: 200},
		{method: "GET", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", status: 200, has: []string{`"limits.cpu":"1","limits.memory":"1GiB"`}},
		{method: "POST", path: "/1.0/instances?project=%[1]s-b", body: `{"name":"%[1]s-i","profiles":["default","%[1]s-p"],"source":{"type":"image","alias":"` + image + `"}}`, status: 202},
		{method: "GET", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", status: 200, has: []string{`"used_by":["/1.0/instances/%[1]s-i?project=%[1]s-b"]`}},
		{method: "DELETE", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", status: 500, text: "Profile is currently in use"},
		{method: "POST", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", body: `{"name":"default"}`, status: 500, text: `Profile "default" already exists`},
		{method: "POST", path: "/1.0/profiles/%[1]s-p?project=%[1]s-b", body: `{"name":"%[1]s-r"}`, status: 201},
		{method: "GET", path: "/1.0/instances/%[1]s-i?project=%[1]s-b", status: 200, has: []string{`"profiles":["default","%[1]s-r"]`}},
		{method: "DELETE", path: "/1.0/projects/%[1]s-b", status: 500, text: "Only empty projects can be removed."},
		{method: "PUT", path: "/1.0/projects/%[1]s-b", body: `{"config":{"features.images":"false","features.profiles":"false","features.storage.buckets":"true","features.storage.volumes":"true"}}`, status: 400,
			text: `Project feature "features.profiles" cannot be disabled on non-empty projects`},
		{method: "POST", path: "/1.0/projects/%[1]s-b", body: `{"name":"%[1]s-c"}`, status: 202, text: "Only empty projects can be renamed"},
		{method: "POST", path: "/1.0/projects/%[1]s-a", body: `{"name":"%[1]s-b"}`, status: 202, text: `A project named "%[1]s-b" already exists`},
		{method: "POST", path: "/1.0/projects/default", body: `{"name":"x"}`, status: 403, text: "The 'default' project cannot be renamed"},
		{method: "DELETE", path: "/1.0/projects/default", status: 403, text: "The 'default' project cannot be deleted"},
		{method: "DELETE", path: "/1.0/instances/%[1]s-i?project=%[1]s-b", status: 202},
		{method: "DELETE", path: "/1.0/profiles/%[1]s-r?project=%[1]s-b", status: 200},
		{method: "POST", path: "/1.0/projects/%[1]s-a", body: `{"name":"%[1]s-c"}`, status: 202},
		{method: "DELETE", path: "/1.0/projects/%[1]s-c", status: 200},
		{method: "DELETE", path: "/1.0/projects/%[1]s-b", status: 200},
		{method: "GET", path: "/1.0/projects/%[1]s-b", status: 404, text: "Project not found"},
	}
	runScenario(t, steps, []string{
		"DELETE /1.0/instances/%[1]s-i?project=%[1]s-b",
		"DELETE /1.0/profiles/%[1]s-p?project=%[1]s-b", "DELETE /1.0/profiles/%[1]s-r?project=%[1]s-b",
		"DELETE /1.0/profiles/%[1]s-shared",
		"DELETE /1.0/projects/%[1]s-a", "DELETE /1.0/projects/%[1]s-b", "DELETE /1.0/projects/%[1]s-c",
	})
}

func TestIncusStorage(t *testing.T) {
	image := os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = "rack-busybox"
	}
	const vols = "/1.0/storage-pools/%[1]s-sp/volumes/custom"
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-sp","driver":"dir","description":"d"}`, status: 201},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-sp","driver":"dir"}`, status: 409, text: "The storage pool already exists: The record already exists"},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-sx"}`, status: 400, text: "No driver provided"},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-sx","driver":"bogus"}`, status: 500, text: "Unknown driver"},
		{method: "POST", path: "/1.0/storage-pools", body: `{"name":"%[1]s-sx","driver":"dir","config":{"size":"1GiB"}}`, status: 500, text: `Invalid option "size"`},
		{method: "POST", path: "/1.0/storage-pools?target=nomember", body: `{"name":"%[1]s-sx","driver":"dir"}`, status: 404, text: "Cluster member not found"},
		{method: "GET", path: "/1.0/storage-pools/%[1]s-sp", status: 200,
			has: []string{`"source":"/var/lib/incus/storage-pools/%[1]s-sp"`, `"used_by":[]`, `"locations":["none"]`}},
		{method: "GET", path: "/1.0/storage-pools/%[1]s-sp?target=nomember", status: 404, text: "Cluster member not found"},
		{method: "GET", path: "/1.0/storage-pools/%[1]s-nope", status: 404, text: "Storage pool not found"},
		{method: "PUT", path: "/1.0/storage-pools/%[1]s-sp", body: `{"config":{}}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PUT", path: "/1.0/storage-pools/%[1]s-sp", body: `{"config":{}}`, status: 500, text: "Pool source cannot be changed when not in pending state"},
		{method: "PATCH", path: "/1.0/storage-pools/%[1]s-sp", body: `{"config":{"rsync.bwlimit":"10"}}`, status: 200},
		{method: "GET", path: "/1.0/storage-pools/%[1]s-sp", status: 200, has: []string{`"description":""`, `"rsync.bwlimit":"10"`}},
		{method: "POST", path: "/1.0/storage-pools/%[1]s-sp", body: `{"name":"x"}`, status: 501, text: "not implemented"},
		// Custom volumes: a plain create is synchronous (200, not 201).
		{method: "POST", path: vols, body: `{"name":"%[1]s-v","description":"vd","config":{"size":"10MiB"}}`, status: 200},
		{method: "POST", path: vols, body: `{"name":"%[1]s-v"}`, status: 409, text: "Volume by that name already exists"},
		{method: "POST", path: vols, body: `{"name":"%[1]s-x","content_type":"bogus"}`, status: 400, text: "Invalid volume content type name"},
		{method: "POST", path: vols, body: `{"name":"%[1]s-x","config":{"bogus":"1"}}`, status: 500, text: `Invalid option for volume "%[1]s-x" option "bogus"`},
		{method: "POST", path: vols, body: `{"name":"%[1]s/x"}`, status: 400, text: "Storage volume names may not contain slashes"},
		{method: "POST", path: vols, body: `{"name":"%[1]s-b","content_type":"block","config":{"size":"10MiB"}}`, status: 200},
		{method: "GET", path: vols + "/%[1]s-v", status: 200,
			has: []string{`"description":"vd"`, `"content_type":"filesystem"`, `"location":"none"`, `"project":"default"`, `"used_by":[]`}},
		{method: "GET", path: vols + "/%[1]s-nope", status: 404, text: "Storage pool volume not found"},
		{method: "GET", path: "/1.0/storage-pools/%[1]s-sp/volumes/bogus/x", status: 400, text: "Invalid storage volume type name"},
		{method: "GET", path: vols + "/%[1]s-v?project=%[1]s-nope", status: 404, text: `Failed to load project "%[1]s-nope": Project not found`},
		{method: "PUT", path: vols + "/%[1]s-v", body: `{"config":{}}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PATCH", path: vols + "/%[1]s-v", body: `{"config":{"bogus":"1"}}`, status: 500, text: `Invalid option for volume "default_%[1]s-v" option "bogus"`},
		// Copies are operations; a copy takes the source's description and config.
		{method: "POST", path: vols, body: `{"name":"%[1]s-c","source":{"type":"copy","name":"%[1]s-v","pool":"%[1]s-sp"}}`, status: 202},
		{method: "GET", path: vols + "/%[1]s-c", status: 200, has: []string{`"description":"vd"`, `"size":"10MiB"`}},
		{method: "POST", path: vols, body: `{"name":"%[1]s-c2","source":{"type":"copy","name":"%[1]s-v"}}`, status: 202, text: "Storage pool not found"},
		{method: "POST", path: vols, body: `{"name":"%[1]s-c2","source":{"type":"copy","name":"%[1]s-nope","pool":"%[1]s-sp"}}`, status: 202,
			text: `Failed generating volume copy config: Storage volume "%[1]s-nope" in project "default" of type "custom" does not exist on pool "%[1]s-sp": Storage volume not found`},
		{method: "POST", path: vols, body: `{"name":"%[1]s-c","source":{"type":"copy","name":"%[1]s-v","pool":"%[1]s-sp"}}`, status: 409, text: "Volume by that name already exists"},
		// Snapshots: create, rename and delete are operations; PUT is not.
		{method: "POST", path: vols + "/%[1]s-v/snapshots", body: `{"name":"s1","expires_at":"2030-01-01T00:00:00Z"}`, status: 202},
		{method: "POST", path: vols + "/%[1]s-v/snapshots", body: `{"name":"s1"}`, status: 409, text: `Snapshot "s1" already in use`},
		{method: "POST", path: vols + "/%[1]s-v/snapshots", body: `{"name":"a/b"}`, status: 400, text: `Storage name cannot contain "/"`},
		{method: "POST", path: vols + "/%[1]s-v/snapshots", body: `{}`, status: 202},
		{method: "GET", path: vols + "/%[1]s-v/snapshots", status: 200, has: []string{`/snapshots/s1"`, `/snapshots/snap0"`}},
		{method: "GET", path: vols + "/%[1]s-v/snapshots/s1", status: 200,
			has: []string{`"name":"s1"`, `"description":"vd"`, `"expires_at":"2030-01-01T00:00:00Z"`, `"content_type":"filesystem"`}},
		{method: "GET", path: vols + "/%[1]s-v/snapshots/nope", status: 404, text: "Storage pool volume not found"},
		{method: "PUT", path: vols + "/%[1]s-v/snapshots/s1", body: `{"description":"x"}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PUT", path: vols + "/%[1]s-v/snapshots/s1", body: `{"description":"x"}`, status: 200},
		{method: "GET", path: vols + "/%[1]s-v/snapshots/s1", status: 200, has: []string{`"description":"x"`, `"expires_at":"0001-01-01T00:00:00Z"`}},
		{method: "POST", path: vols + "/%[1]s-v/snapshots/s1", body: `{"name":"snap0"}`, status: 202, text: `Failed to rename *`},
		{method: "POST", path: vols + "/%[1]s-v/snapshots/s1", body: `{"name":"s2"}`, status: 202},
		{method: "DELETE", path: vols + "/%[1]s-v/snapshots/s2", status: 202},
		// Rename in the pool is synchronous; disks that use a volume follow it.
		{method: "POST", path: vols + "/%[1]s-v", body: `{"name":"%[1]s-c"}`, status: 409, text: "Volume by that name already exists"},
		{method: "POST", path: vols + "/%[1]s-v", body: `{"name":"%[1]s-r"}`, status: 201},
		{method: "POST", path: "/1.0/instances", body: `{"name":"%[1]s-i","source":{"type":"image","alias":"` + image + `"},"devices":{"data":{"type":"disk","pool":"%[1]s-sp","source":"%[1]s-r","path":"/data"}}}`, status: 202},
		{method: "PATCH", path: "/1.0/instances/%[1]s-i", body: `{"devices":{"b":{"type":"disk","pool":"%[1]s-sp","source":"%[1]s-b"}}}`, status: 500,
			text: `Failed add validation for device "b": Custom block volumes cannot be used on containers`},
		{method: "GET", path: vols + "/%[1]s-r", status: 200, has: []string{`"used_by":["/1.0/instances/%[1]s-i"]`}},
		{method: "DELETE", path: vols + "/%[1]s-r", status: 400, text: "The storage volume is still in use"},
		{method: "DELETE", path: "/1.0/storage-pools/%[1]s-sp", status: 400, text: "The storage pool is currently in use"},
		{method: "POST", path: vols + "/%[1]s-r", body: `{"name":"%[1]s-r2"}`, status: 201},
		{method: "GET", path: "/1.0/instances/%[1]s-i", status: 200, has: []string{`"source":"%[1]s-r2"`}},
		{method: "DELETE", path: "/1.0/instances/%[1]s-i", status: 202},
		// Moving to another pool is an operation.
		{method: "POST", path: vols + "/%[1]s-c", body: `{"name":"%[1]s-m","pool":"default"}`, status: 202},
		{method: "GET", path: "/1.0/storage-pools/default/volumes/custom/%[1]s-m", status: 200, has: []string{`"description":"vd"`}},
		{method: "DELETE", path: "/1.0/storage-pools/default/volumes/custom/%[1]s-m", status: 200},
		{method: "DELETE", path: vols + "/%[1]s-r2", status: 200},
		{method: "DELETE", path: vols + "/%[1]s-b", status: 200},
		{method: "DELETE", path: vols + "/%[1]s-b", status: 404, text: "Storage pool volume not found"},
		{method: "DELETE", path: "/1.0/storage-pools/%[1]s-sp", status: 200},
		{method: "DELETE", path: "/1.0/storage-pools/%[1]s-sp", status: 404, text: "Storage pool not found"},
	}
	runScenario(t, steps, []string{
		"STOP /1.0/instances/%[1]s-i",
		"DELETE " + vols + "/%[1]s-v", "DELETE " + vols + "/%[1]s-r", "DELETE " + vols + "/%[1]s-r2",
		"DELETE " + vols + "/%[1]s-c", "DELETE " + vols + "/%[1]s-b",
		"DELETE /1.0/storage-pools/default/volumes/custom/%[1]s-m",
		"DELETE /1.0/storage-pools/%[1]s-sp",
	})
}

// Buckets run on the fake only: the real test daemon has no MinIO.
func TestIncusBuckets(t *testing.T) {
	m, err := StartIncus(filepath.Join(t.TempDir(), "i.sock"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	h := &rawIncus{t: t, socket: m.Socket()}
	const b = "/1.0/storage-pools/default/buckets"
	expect := func(method, path, body string, status int, text string) envelope {
		t.Helper()
		got, env := h.do(method, path, body)
		if got != status || env.Error != text {
			t.Fatalf("%s %s: got HTTP %d %q, want HTTP %d %q", method, path, got, env.Error, status, text)
		}
		return env
	}
	env := expect("POST", b, `{"name":"lab-data","description":"d","config":{"size":"1GiB"}}`, 201, "")
	var admin struct {
		Name, Role, AccessKey, SecretKey string
	}
	raw := strings.NewReplacer(`"access-key"`, `"AccessKey"`, `"secret-key"`, `"SecretKey"`).Replace(string(env.Metadata))
	if err := json.Unmarshal([]byte(raw), &admin); err != nil || admin.Name != "admin" || admin.Role != "admin" || len(admin.AccessKey) != 20 || len(admin.SecretKey) != 40 {
		t.Fatalf("create answered %s", env.Metadata)
	}
	expect("POST", b, `{"name":"lab-data"}`, 409, "Failed creating storage bucket: A bucket for that name already exists")
	expect("POST", b, `{"name":"Bad_Name"}`, 400, "Invalid storage bucket name: Bucket name must be between 3 and 63 lowercase letters, numbers, periods or hyphens and must start with a letter or number")
	expect("POST", "/1.0/storage-pools/nope/buckets", `{"name":"abc"}`, 404, "Failed loading storage pool: Storage pool not found")
	env = expect("GET", b+"/lab-data", "", 200, "")
	if !strings.Contains(string(env.Metadata), `"s3_url":"https://`+bucketsAddress+`/lab-data"`) {
		t.Fatalf("bucket: %s", env.Metadata)
	}
	if got, env := h.doWith("PUT", b+"/lab-data", `{"description":"e"}`, "bad"); got != 412 || !strings.HasPrefix(env.Error, "ETag doesn't match: ") {
		t.Fatalf("PUT with a stale ETag: HTTP %d %q", got, env.Error)
	}
	expect("PUT", b+"/lab-data", `{"description":"e","config":{}}`, 200, "")
	expect("GET", b+"/nope", "", 404, "Storage bucket not found")
	// Keys: generated unless given; roles admin and read-only only.
	expect("POST", b+"/lab-data/keys", `{"name":"ro","role":"read-only"}`, 201, "")
	expect("POST", b+"/lab-data/keys", `{"name":"ro","role":"read-only"}`, 409, "Failed creating storage bucket key: A bucket key for that name already exists")
	expect("POST", b+"/lab-data/keys", `{"name":"x","role":"owner"}`, 500, "Failed creating storage bucket key: Invalid key role")
	expect("POST", b+"/lab-data/keys", `{"name":"given","role":"admin","access-key":"AKGIVEN","secret-key":"sekrit"}`, 201, "")
	expect("POST", b+"/lab-data/keys", `{"name":"again","role":"admin","access-key":"AKGIVEN"}`, 409, "Failed creating storage bucket key: A bucket key using that access key already exists on this server")
	env = expect("GET", b+"/lab-data/keys/given", "", 200, "")
	if !strings.Contains(string(env.Metadata), `"access-key":"AKGIVEN","secret-key":"sekrit"`) {
		t.Fatalf("key: %s", env.Metadata)
	}
	expect("PUT", b+"/lab-data/keys/given", `{"role":"read-only","description":"r"}`, 200, "")
	env = expect("GET", b+"/lab-data/keys?recursion=1", "", 200, "")
	if !strings.Contains(string(env.Metadata), `"description":"r","role":"read-only","access-key":"AKGIVEN"`) {
		t.Fatalf("keys: %s", env.Metadata)
	}
	expect("DELETE", b+"/lab-data/keys/ro", "", 200, "")
	expect("GET", b+"/lab-data/keys/ro", "", 404, "Storage bucket key not found")
	expect("DELETE", b+"/lab-data", "", 200, "")
	expect("GET", b, "", 200, "")
}

// The server lists the extensions the client checks before bucket and
// volume calls.
func TestIncusExtensions(t *testing.T) {
	m, err := StartIncus(filepath.Join(t.TempDir(), "i.sock"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	_, env := (&rawIncus{t: t, socket: m.Socket()}).do("GET", "/1.0", "")
	for _, ext := range []string{"storage_buckets", "storage_buckets_create_credentials", "storage_api_local_volume_handling", "storage_api_volume_snapshots", "projects"} {
		if !strings.Contains(string(env.Metadata), fmt.Sprintf("%q", ext)) {
			t.Errorf("GET /1.0 lacks extension %s", ext)
		}
	}
}

// A name holding a "/" (sent escaped) stays one path segment in the routes.
func TestIncusEscapedAlias(t *testing.T) {
	m, err := StartIncus(filepath.Join(t.TempDir(), "i.sock"), "debian/12")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	h := &rawIncus{t: t, socket: m.Socket()}
	if status, env := h.do("GET", "/1.0/images/aliases/debian%2F12", ""); status != 200 || !strings.Contains(string(env.Metadata), `"name":"debian/12"`) {
		t.Fatalf("GET alias debian%%2F12: HTTP %d %q %s", status, env.Error, env.Metadata)
	}
	if status, env := h.do("GET", "/1.0/nothing", ""); status != 404 || env.Error != "not found" {
		t.Fatalf("unknown path: HTTP %d %q", status, env.Error)
	}
	if status, env := h.do("PUT", "/1.0/projects", "{}"); status != 405 || env.Error != "method not allowed" {
		t.Fatalf("unknown method: HTTP %d %q", status, env.Error)
	}
}
