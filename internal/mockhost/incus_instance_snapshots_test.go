package mockhost

import (
	"os"
	"testing"
)

// The fake answers instance snapshot requests with incusd 6.0.4's status
// and texts (cmd/incusd/instance_snapshot.go, instance_utils.go,
// driver_lxc.go); the same steps run against a real incusd when
// RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusInstanceSnapshots(t *testing.T) {
	image := os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = "rack-busybox"
	}
	const snaps = "/1.0/instances/%[1]s-i/snapshots"
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/instances", body: `{"name":"%[1]s-i","description":"web","source":{"type":"image","alias":"` + image + `"}}`, status: 202},
		{method: "POST", path: snaps, body: `{"name":"s1","expires_at":"2040-01-02T03:04:05Z"}`, status: 202},
		{method: "GET", path: snaps + "/s1", status: 200, has: []string{`"name":"s1"`, `"expires_at":"2040-01-02T03:04:05Z"`, `"stateful":false`}},
		{method: "POST", path: snaps, body: `{"name":"s1"}`, status: 202,
			text: `Failed creating instance snapshot record "s1": Add snapshot info to the database: Failed to create "instances_snapshots" entry: UNIQUE constraint failed: instances_snapshots.instance_id, instances_snapshots.name`},
		{method: "POST", path: snaps, body: `{"name":"a/b"}`, status: 400, text: `Invalid snapshot name: Cannot contain "/"`},
		{method: "POST", path: snaps, body: `{"name":"st","stateful":true}`, status: 202, text: "Stateful snapshots require that the instance has migration.stateful be set to true"},
		{method: "POST", path: "/1.0/instances/%[1]s-nope/snapshots", body: `{"name":"s1"}`, status: 404, text: `Failed to fetch instance "%[1]s-nope" in project "default": Instance not found`},
		{method: "GET", path: "/1.0/instances/%[1]s-nope/snapshots/s1", status: 404, text: `Failed to fetch instance "%[1]s-nope/s1" in project "default": Instance not found`},
		{method: "GET", path: snaps + "/nope", status: 404, text: `Failed to fetch snapshot "nope" of instance "%[1]s-i" in project "default": Instance_snapshot not found`},
		{method: "PUT", path: snaps + "/s1", body: `{"expires_at":"2041-01-01T00:00:00Z"}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PATCH", path: snaps + "/s1", body: `{"expires_at":"2041-01-01T00:00:00Z"}`, status: 202},
		{method: "GET", path: snaps + "/s1", status: 200, has: []string{`"expires_at":"2041-01-01T00:00:00Z"`}},
		{method: "POST", path: snaps, body: `{"name":"s2","expires_at":"0001-01-01T00:00:00Z"}`, status: 202},
		{method: "POST", path: snaps + "/s1", body: `{"name":"s2"}`, status: 409, text: "Name '%[1]s-i/s2' already in use"},
		{method: "POST", path: snaps + "/s1", body: `{"name":""}`, status: 400, text: "A new name for the instance must be provided"},
		{method: "POST", path: snaps + "/s1", body: `{"name":"s3"}`, status: 202},
		{method: "GET", path: snaps + "/s3", status: 200, has: []string{`"name":"s3"`}},
		{method: "GET", path: snaps, status: 200, has: []string{`"/1.0/instances/%[1]s-i/snapshots/s2"`, `"/1.0/instances/%[1]s-i/snapshots/s3"`}},
		{method: "POST", path: "/1.0/instances", body: `{"name":"%[1]s-r","start":true,"config":{"migration.stateful":"true"},"source":{"type":"image","alias":"` + image + `"}}`, status: 202},
		{method: "POST", path: "/1.0/instances/%[1]s-r/snapshots", body: `{"name":"st","stateful":true}`, status: 202, text: "Unable to create a stateful snapshot. CRIU isn't installed"},
		{method: "DELETE", path: snaps + "/s3", status: 202},
		{method: "DELETE", path: snaps + "/s3", status: 404, text: `Failed to fetch snapshot "s3" of instance "%[1]s-i" in project "default": Instance_snapshot not found`},
	}
	runScenario(t, steps, []string{
		"DELETE /1.0/instances/%[1]s-i/snapshots/s1", "DELETE /1.0/instances/%[1]s-i/snapshots/s2", "DELETE /1.0/instances/%[1]s-i/snapshots/s3",
		"DELETE /1.0/instances/%[1]s-i", "STOP /1.0/instances/%[1]s-r",
	})
}
