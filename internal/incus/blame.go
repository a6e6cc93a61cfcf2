package incus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// An instance request (create, update, start) fails on the instance, but the
// object at fault is often another one: the project, a profile, the image, a
// device's network or pool. incusd says which only in its error text, so the
// texts are matched here, in one table (blameRules), and nowhere else. The
// texts are those of incusd 6.0.4, recorded in docs-internal/incus-error-texts.md.

// instanceRequest is what an instance request named, for blaming.
type instanceRequest struct {
	Image    *ImageSource // create only
	Profiles []string
	Devices  map[string]map[string]string
	// existingProfiles lists the profiles of the project; incusd's update
	// answer does not say which profile is missing.
	existingProfiles func() ([]string, error)
}

func (spec InstanceSpec) blameRequest() instanceRequest {
	return instanceRequest{Image: &spec.Image, Profiles: spec.Profiles, Devices: spec.Devices}
}

func (u InstanceUpdate) blameRequest() instanceRequest {
	return instanceRequest{Profiles: u.Profiles, Devices: u.Devices}
}

// blameInstance is blame with the scope resolved and the project's profiles
// at hand (read only when incusd does not name the missing profile).
func (c *Client) blameInstance(ctx context.Context, err error, s Scope, req instanceRequest) error {
	if err == nil {
		return nil
	}
	req.existingProfiles = func() ([]string, error) {
		srv, rs, err := c.server(s)
		if err != nil {
			return nil, err
		}
		return call(ctx, "listing the profiles of", fmt.Sprintf("project %q", rs.Project), c.remotes[rs.Remote].Address, srv.GetProfileNames)
	}
	return blame(err, s, req)
}

// blameMatch is one match of a rule: the submatches of its pattern.
type blameMatch []string

// blameRule turns a server text into an error about the object at fault;
// blame returns nil when the request does not say which object it is.
type blameRule struct {
	re    *regexp.Regexp
	blame func(m blameMatch, s Scope, req instanceRequest) *clienterr.NotFoundError
}

// createPrefix starts the texts of a failed create; an update's texts start after it.
const createPrefix = `(?:Failed creating instance record: Failed initializing instance: )?`

// blameRules: incusd 6.0.4's texts, each with the message it matches. A text
// no rule matches is left as it is.
var blameRules = []blameRule{
	{ // POST /1.0/instances (HTTP 404): "Failed loading project: Project not found"
		// GET/PUT /1.0/instances/{name}[/state] (HTTP 404): "Project not found"
		re:    regexp.MustCompile(`^(?:Failed loading project: )?Project not found$`),
		blame: blameProject,
	},
	{ // POST /1.0/instances (HTTP 500): `Requested profile "web" doesn't exist`
		re: regexp.MustCompile(`^Requested profile "([^"]+)" doesn't exist$`),
		blame: func(m blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
			return profileNotFound(s, m[1])
		},
	},
	{ // PUT /1.0/instances/{name} (HTTP 404): "Profile not found"
		re:    regexp.MustCompile(`^Profile not found$`),
		blame: blameUnnamedProfile,
	},
	{ // create operation, alias or fingerprint unknown on the instance's own server:
		// "Image not provided for instance creation"
		// create operation, image server (simplestreams) without it:
		// "Failed getting remote image info: Failed getting image: The requested image couldn't be found"
		re:    regexp.MustCompile(`^(?:Image not provided for instance creation|Failed getting remote image info: Failed getting image: The requested image couldn't be found)$`),
		blame: blameImage,
	},
	{ // create/update operation: `Failed creating instance record: Failed initializing instance: Invalid devices:
		// Device validation failed for "eth0": Failed loading device "eth0": Failed to load network "lan"
		// for project "default": Network not found` (the update's text starts at "Invalid devices")
		re: regexp.MustCompile(`^` + createPrefix + `Invalid devices: Device validation failed for "([^"]+)": Failed loading device "[^"]+": Failed to load network "([^"]+)" for project "([^"]*)": Network not found$`),
		blame: func(m blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
			return nf(fmt.Sprintf("network %q (project %q, remote %q)", m[2], m[3], s.Remote),
				fmt.Sprintf("Device %q uses network %q, which does not exist. Create the network or correct the device's network property; `incus network list %s: --project %s` lists the networks.", m[1], m[2], s.Remote, m[3]))
		},
	},
	{ // create/update operation: `... Failed add validation for device "data": Failed to get storage pool "fast": Storage pool not found`
		re: regexp.MustCompile(`^` + createPrefix + `Failed add validation for device "([^"]+)": Failed to get storage pool "([^"]+)": Storage pool not found$`),
		blame: func(m blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
			return poolNotFound(s, m[1], m[2])
		},
	},
	{ // create/update operation: `... Failed add validation for device "data": Failed loading custom volume: Storage volume not found`
		re:    regexp.MustCompile(`^` + createPrefix + `Failed add validation for device "([^"]+)": Failed loading custom volume: Storage volume not found$`),
		blame: blameVolume,
	},
	{ // create operation, root disk: "Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found"
		re:    regexp.MustCompile(`^Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found$`),
		blame: blameRootPool,
	},
	{ // create/update operation: `... Failed add validation for device "data": Missing source path "/srv/data" for disk "data"`
		re: regexp.MustCompile(`^` + createPrefix + `Failed add validation for device "[^"]+": Missing source path "([^"]+)" for disk "([^"]+)"$`),
		blame: func(m blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
			return nf(fmt.Sprintf("host path %q (remote %q)", m[1], s.Remote),
				fmt.Sprintf("Device %q mounts %q, which does not exist on the Incus server. Create it there or correct the device's source.", m[2], m[1]))
		},
	},
	{ // start (create with start, or the start request): `Failed to start device "eth0": Parent device "br0" doesn't exist`
		re: regexp.MustCompile(`^Failed to start device "([^"]+)": Parent device "([^"]+)" doesn't exist$`),
		blame: func(m blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
			return nf(fmt.Sprintf("host network interface %q (remote %q)", m[2], s.Remote),
				fmt.Sprintf("Device %q uses parent %q, which does not exist on the Incus server. Create that bridge or interface on the server, or put the device on a managed network (network = \"...\"); `incus network list %s:` lists the server's networks and interfaces.", m[1], m[2], s.Remote))
		},
	},
}

// blame returns an error about the object the server's text says is at
// fault, wrapping err (a failed operation keeps its ID in the detail), or err
// unchanged when the text names nothing the table knows.
func blame(err error, s Scope, req instanceRequest) error {
	text, info, op := serverText(err)
	if text == "" {
		return err
	}
	for _, rule := range blameRules {
		m := rule.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		out := rule.blame(m, s, req)
		if out == nil {
			return err
		}
		if op != nil {
			out.Err = err // no Message: the detail shows the operation, its ID and text
		} else {
			out.Status, out.Message, out.Err = info.Status, info.Message, info.Err
		}
		return out
	}
	return err
}

// serverText is the server's own text in err: a failed operation's error, or
// the message of a refused request. op is set for a failed operation.
func serverText(err error) (string, *clienterr.Info, *clienterr.OperationError) {
	var (
		op  *clienterr.OperationError
		nfe *clienterr.NotFoundError
		val *clienterr.ValidationError
	)
	switch {
	case errors.As(err, &op):
		return op.Message, &op.Info, op
	case errors.As(err, &nfe):
		return nfe.Message, &nfe.Info, nil
	case errors.As(err, &val):
		return val.Message, &val.Info, nil
	}
	return "", nil, nil
}

func nf(object, hint string) *clienterr.NotFoundError {
	return &clienterr.NotFoundError{Info: clienterr.Info{Object: object, Hint: hint}}
}

func blameProject(_ blameMatch, s Scope, _ instanceRequest) *clienterr.NotFoundError {
	return nf(fmt.Sprintf("project %q (remote %q)", s.Project, s.Remote),
		fmt.Sprintf("Create the project (`incus project create %s:%s`) or correct the project attribute; `incus project list %s:` lists the projects.", s.Remote, s.Project, s.Remote))
}

func profileNotFound(s Scope, names ...string) *clienterr.NotFoundError {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	what := "profile " + quoted[0]
	if len(names) > 1 {
		what = "one of the profiles " + strings.Join(quoted, ", ")
	}
	return nf(fmt.Sprintf("%s (project %q, remote %q)", what, s.Project, s.Remote),
		fmt.Sprintf("Profiles belong to a project: create it in project %q or remove it from the instance's profiles; `incus profile list %s: --project %s` lists the profiles.", s.Project, s.Remote, s.Project))
}

// blameUnnamedProfile asks the server which of the requested profiles it lacks.
func blameUnnamedProfile(_ blameMatch, s Scope, req instanceRequest) *clienterr.NotFoundError {
	if len(req.Profiles) == 0 {
		return nil
	}
	missing := req.Profiles
	if req.existingProfiles != nil {
		if have, err := req.existingProfiles(); err == nil {
			sort.Strings(have)
			missing = nil
			for _, p := range req.Profiles {
				if i := sort.SearchStrings(have, p); i == len(have) || have[i] != p {
					missing = append(missing, p)
				}
			}
			if len(missing) == 0 {
				return nil // they exist now: the text was about something else
			}
		}
	}
	return profileNotFound(s, missing...)
}

func blameImage(_ blameMatch, s Scope, req instanceRequest) *clienterr.NotFoundError {
	if req.Image == nil {
		return nil
	}
	img := *req.Image
	if img.Remote != "" && img.Remote != s.Remote {
		ref := img.Remote + ":" + img.Name
		return nf(fmt.Sprintf("image %q", ref),
			fmt.Sprintf("Image server %q has no image %q: `incus image list %s:` lists what it offers (aliases such as debian/12).", img.Remote, img.Name, img.Remote))
	}
	return nf(fmt.Sprintf("image %q (project %q, remote %q)", img.Name, s.Project, s.Remote),
		fmt.Sprintf("No image in project %q has the alias or fingerprint %q. Images and their aliases belong to a project: `incus image list %s: --project %s` lists the ones this instance can use; copy or import the image into the project, or correct the image attribute.", s.Project, img.Name, s.Remote, s.Project))
}

func poolNotFound(s Scope, device, pool string) *clienterr.NotFoundError {
	return nf(fmt.Sprintf("storage pool %q (remote %q)", pool, s.Remote),
		fmt.Sprintf("Device %q uses storage pool %q, which does not exist. Create the pool or correct the device's pool property; `incus storage list %s:` lists the pools.", device, pool, s.Remote))
}

// blameRootPool: incusd does not name the pool of the root disk; the request
// does when the root disk is one of the instance's own devices.
func blameRootPool(_ blameMatch, s Scope, req instanceRequest) *clienterr.NotFoundError {
	for name, d := range req.Devices {
		if d["type"] == "disk" && d["path"] == "/" && d["pool"] != "" {
			return poolNotFound(s, name, d["pool"])
		}
	}
	return nil
}

// blameVolume: incusd names the device; the request names its volume and pool.
func blameVolume(m blameMatch, s Scope, req instanceRequest) *clienterr.NotFoundError {
	d := req.Devices[m[1]]
	if d["source"] == "" || d["pool"] == "" {
		return nil // the device comes from a profile
	}
	return nf(fmt.Sprintf("storage volume %q (pool %q, project %q, remote %q)", d["source"], d["pool"], s.Project, s.Remote),
		fmt.Sprintf("Device %q mounts custom volume %q of pool %q, which does not exist. Create the volume or correct the device's source; `incus storage volume list %s:%s --project %s` lists the volumes.", m[1], d["source"], d["pool"], s.Remote, d["pool"], s.Project))
}

// The config-object families (projects.go, profiles.go, storage_*.go) match
// incusd 6.0.4's texts here too, for what the status does not say.

// takenTexts: a create or rename refused because the name is used. Some come
// as 409, others as 500 (profile and project create and rename) or as a
// failed operation (project rename):
//   - POST /1.0/profiles (500): `Error inserting "web" into database: The profile already exists`
//   - POST /1.0/profiles/{name} (500): `Profile "web" already exists`
//   - POST /1.0/projects (500): `Failed creating project "lab": Failed adding database record:
//     Failed to create "projects" entry: UNIQUE constraint failed: projects.name`
//   - POST /1.0/projects/{name} operation: `A project named "lab" already exists`
//   - POST /1.0/storage-pools (409): "The storage pool already exists: The record already exists"
//   - POST /1.0/storage-pools/{pool}/volumes/custom[/{name}] (409): "Volume by that name already exists"
//   - POST .../snapshots (409): `Snapshot "s1" already in use`
//   - POST /1.0/instances/{name}/snapshots operation: `Failed creating instance snapshot record "s1": Add
//     snapshot info to the database: Failed to create "instances_snapshots" entry: UNIQUE constraint failed: ...`
//   - POST /1.0/instances/{name}/snapshots/{snap} (409): "Name 'web/s2' already in use"
//   - POST /1.0/certificates (409): "Certificate already in trust store"
//   - POST /1.0/network-zones (400): "The network zone already exists" (zone names are server-wide)
//   - POST /1.0/network-integrations (500): `Failed to create "networks_integrations" entry:
//     UNIQUE constraint failed: networks_integrations.name`, and its rename (500) "Rename
//     NetworkIntegration failed: UNIQUE constraint failed: networks_integrations.name"
//   - POST /1.0/networks/{net}/peers (409): "Failed creating peer: A peer for that name already exists"
//   - POST /1.0/network-zones/{zone}/records (500): "UNIQUE constraint failed:
//     networks_zones_records.network_zone_id, networks_zones_records.name"
//   - POST /1.0/network-acls/{name} (500): "An ACL by that name exists already"
//   - POST /1.0/network-address-sets/{name} (500): "Address set by that name: NAME exists already"
//   - POST /1.0/cluster/groups (500): `Failed to create "cluster_groups" entry: UNIQUE constraint
//     failed: cluster_groups.name`, and its rename (500): `Name "g2" already in use`
//   - POST /1.0/storage-pools and /1.0/networks on a cluster (500): "The storage pool is already
//     created", "The network is already created"
var takenTexts = regexp.MustCompile(`already exists|^The (?:storage pool|network) is already created$|UNIQUE constraint failed|^(?:Snapshot|Name) "[^"]*" already in use$|by that name(?:: .*)? exists already$`)

// inUseTexts: a delete refused because other objects use the object.
//   - DELETE /1.0/profiles/{name} (500): "Profile is currently in use"
//   - DELETE /1.0/storage-pools/{name} (400): "The storage pool is currently in use"
//   - DELETE /1.0/storage-pools/{pool}/volumes/custom/{name} (400): "The storage volume is still in use"
//   - DELETE /1.0/projects/{name} (500): "Only empty projects can be removed."
//   - DELETE /1.0/network-zones/{name} (500): "Cannot delete a zone that is in use"
//   - DELETE /1.0/networks/{name} (400): "The network is currently in use"
var inUseTexts = regexp.MustCompile(`^(?:Profile is currently in use|The storage pool is currently in use|The network is currently in use|The storage volume is still in use|Only empty projects can be removed\.?|Cannot delete a zone that is in use)$`)

// objectRule blames the parent of an object (its project, pool, bucket, the
// source of a copy) when incusd's text names it.
type objectRule struct {
	re    *regexp.Regexp
	blame func(m blameMatch, s Scope, pool, parent string) *clienterr.NotFoundError
}

var objectRules = []objectRule{
	{ // GET/POST /1.0/profiles...?project=x (404): `Failed loading project "x": Project not found`
		// /1.0/storage-pools/{pool}/volumes...?project=x (404): `Failed to load project "x": Project not found`
		re: regexp.MustCompile(`^(?:Failed loading project|Failed to load project) "([^"]*)": Project not found$`),
		blame: func(m blameMatch, s Scope, _, _ string) *clienterr.NotFoundError {
			s.Project = m[1]
			return blameProject(m, s, instanceRequest{})
		},
	},
	{ // any request with ?target=x on a server that is not a cluster, or
		// a member the cluster lacks (404): "Cluster member not found"
		re: regexp.MustCompile(`^Cluster member not found$`),
		blame: func(_ blameMatch, s Scope, _, _ string) *clienterr.NotFoundError {
			if s.Target == "" {
				return nil
			}
			return nf(fmt.Sprintf("cluster member %q (remote %q)", s.Target, s.Remote),
				fmt.Sprintf("The target attribute names a cluster member; a standalone Incus server has none, so leave target unset there. `incus cluster list %s:` lists the members of a cluster.", s.Remote))
		},
	},
	{ // /1.0/storage-pools/{pool}/volumes... (404): "Storage pool not found"
		// /1.0/storage-pools/{pool}/buckets... (404): "Failed loading storage pool: Storage pool not found"
		re: regexp.MustCompile(`^(?:Failed loading storage pool: )?Storage pool not found$`),
		blame: func(_ blameMatch, s Scope, pool, _ string) *clienterr.NotFoundError {
			if pool == "" {
				return nil
			}
			return nf(fmt.Sprintf("storage pool %q (remote %q)", pool, s.Remote),
				fmt.Sprintf("Create the pool or correct the pool attribute; `incus storage list %s:` lists the pools.", s.Remote))
		},
	},
	{ // POST .../buckets/{bucket}/keys (404): "Failed creating storage bucket key: Storage bucket not found"
		re: regexp.MustCompile(`^Failed creating storage bucket key: Storage bucket not found$`),
		blame: func(_ blameMatch, s Scope, pool, bucket string) *clienterr.NotFoundError {
			return nf(bucketObject(s, pool, bucket),
				fmt.Sprintf("Create the bucket first or correct the bucket attribute; `incus storage bucket list %s:%s --project %s` lists the buckets.", s.Remote, pool, s.Project))
		},
	},
	{ // /1.0/network-zones/{zone}/records... (404): "Network zone not found"; the
		// zone's own requests give the same text, with no parent to blame.
		re: regexp.MustCompile(`^Network zone not found$`),
		blame: func(_ blameMatch, s Scope, _, zone string) *clienterr.NotFoundError {
			if zone == "" {
				return nil
			}
			return nf(zoneObject(s, zone),
				fmt.Sprintf("Create the zone first or correct the zone attribute; `incus network zone list %s: --project %s` lists the zones.", s.Remote, s.Project))
		},
	},
	{ // volume copy operation: `Failed generating volume copy config: Storage volume "data" in project
		// "default" of type "custom" does not exist on pool "default": Storage volume not found`
		re: regexp.MustCompile(`^Failed generating volume copy config: Storage volume "([^"]+)" in project "([^"]*)" of type "[^"]+" does not exist on pool "([^"]+)": Storage volume not found$`),
		blame: func(m blameMatch, s Scope, _, _ string) *clienterr.NotFoundError {
			s.Project = m[2]
			return nf(volumeObject(s, m[3], m[1]),
				fmt.Sprintf("The volume to copy from does not exist: correct source_volume; `incus storage volume list %s:%s --project %s` lists the volumes.", s.Remote, m[3], m[2]))
		},
	},
}

// blameObject returns a NotFound about the parent that the server's text
// says is missing (project, pool, bucket, copy source), wrapping err, or err
// unchanged.
func blameObject(err error, s Scope, pool, parent string) error {
	text, info, op := serverText(err)
	if text == "" {
		return err
	}
	for _, rule := range objectRules {
		m := rule.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		out := rule.blame(m, s, pool, parent)
		if out == nil {
			return err
		}
		if op != nil {
			out.Err = err
		} else {
			out.Status, out.Message, out.Err = info.Status, info.Message, info.Err
		}
		return out
	}
	return err
}

// noBuckets: incusd 6.0.4 with a local pool (dir, btrfs, lvm, zfs) runs
// buckets through MinIO; without it, POST .../buckets answers (500) "Failed
// creating storage bucket: Failed connecting to bucket: Couldn't find the
// MinIO client tool".
var noBuckets = regexp.MustCompile(`MinIO`)

// bucketsUnsupported gives the refusal of a bucket on a server without MinIO
// advice; the error stays a ValidationError with incusd's text verbatim.
func bucketsUnsupported(err error, remote string) error {
	var v *clienterr.ValidationError
	if errors.As(err, &v) && noBuckets.MatchString(v.Message) {
		v.Hint = fmt.Sprintf("Incus server %q cannot serve storage buckets from this pool: buckets on a local pool (dir, btrfs, lvm, zfs) need MinIO (the minio and mc commands) installed on the server, or use a pool of driver cephobject.", remote)
	}
	return err
}
