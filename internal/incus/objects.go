package incus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// What the config-object families (projects.go, profiles.go, storage_*.go)
// share: import IDs, how they name objects in errors, one tagged read, and
// the shaping of a taken name and of a delete refused because of other
// objects.

// ImportID is the ID `terraform import` takes for an object that lives in a
// project: `remote:project/part/...`. An instance is ImportID(s, name), a
// profile too; a volume ImportID(s, pool, name), a snapshot
// ImportID(s, pool, volume, snapshot), a bucket key ImportID(s, pool, bucket, key).
func ImportID(s Scope, parts ...string) string {
	return fmt.Sprintf("%s:%s/%s", s.Remote, s.Project, strings.Join(parts, "/"))
}

// ServerImportID is the ID `terraform import` takes for an object of the
// whole server (a project, a storage pool): `remote:name`.
func ServerImportID(remote, name string) string {
	return remote + ":" + name
}

func projectObject(s Scope, name string) string {
	return fmt.Sprintf("project %q (remote %q)", name, s.Remote)
}

func profileObject(s Scope, name string) string {
	return fmt.Sprintf("profile %q (project %q, remote %q)", name, s.Project, s.Remote)
}

func poolObject(s Scope, name string) string {
	if s.Target != "" {
		return fmt.Sprintf("storage pool %q (remote %q, member %q)", name, s.Remote, s.Target)
	}
	return fmt.Sprintf("storage pool %q (remote %q)", name, s.Remote)
}

func volumeObject(s Scope, pool, name string) string {
	return fmt.Sprintf("storage volume %q (pool %q, project %q, remote %q)", name, pool, s.Project, s.Remote)
}

func snapshotObject(s Scope, pool, volume, name string) string {
	return fmt.Sprintf("storage volume snapshot %q (pool %q, project %q, remote %q)", volume+"/"+name, pool, s.Project, s.Remote)
}

func bucketObject(s Scope, pool, name string) string {
	return fmt.Sprintf("storage bucket %q (pool %q, project %q, remote %q)", name, pool, s.Project, s.Remote)
}

func bucketKeyObject(s Scope, pool, bucket, name string) string {
	return fmt.Sprintf("storage bucket key %q (bucket %q, pool %q, project %q, remote %q)", name, bucket, pool, s.Project, s.Remote)
}

// at is the connection for a scope, the scope resolved and the remote's address.
func (c *Client) at(s Scope) (incusclient.InstanceServer, Scope, string, error) {
	srv, s, err := c.server(s)
	if err != nil {
		return nil, s, "", err
	}
	return srv, s, c.remotes[s.Remote].Address, nil
}

// atServer is at for the objects of the whole server (projects, pools): the
// project of the scope plays no part in them.
func (c *Client) atServer(s Scope) (incusclient.InstanceServer, Scope, string, error) {
	s.Project = api.ProjectDefaultName
	return c.at(s)
}

// get reads one object with its ETag in one request, retried on
// connection errors (reads are idempotent).
func get[T any](ctx context.Context, object, address string, fn func() (T, string, error)) (T, string, error) {
	type tagged struct {
		v    T
		etag string
	}
	var out tagged
	err := retryIdempotent(ctx, func() error {
		got, err := call(ctx, "reading", object, address, func() (tagged, error) {
			v, etag, err := fn()
			return tagged{v, etag}, err
		})
		out = got
		return err
	})
	return out.v, out.etag, err
}

// taken turns the refusal of a create or rename whose name is already used
// into a Conflict naming the import ID of the object that has it. incusd
// answers some of these with 409, others with 500 and a text (see
// takenTexts in blame.go).
func taken(err error, importID string) error {
	if err == nil {
		return nil
	}
	var ce *clienterr.ConflictError
	if errors.As(err, &ce) {
		if ce.ImportID == "" && ce.Status == http.StatusConflict {
			ce.ImportID = importID
		}
		return err
	}
	text, info, _ := serverText(err)
	if text == "" || !takenTexts.MatchString(text) {
		return err
	}
	out := &clienterr.ConflictError{Info: *info, ImportID: importID}
	out.Message = text
	out.Err = err
	return out
}

// refusedInUse turns the refusal of a delete because other objects still use
// the object into a Conflict listing them. usedBy reads them when the
// server's text does not (incusd's never does); it is called only then.
func refusedInUse(ctx context.Context, err error, usedBy func(context.Context) ([]string, error)) error {
	return refusedInUseMatching(ctx, err, inUseTexts, usedBy)
}

// refusedInUseMatching is refusedInUse for a family with its own texts.
func refusedInUseMatching(ctx context.Context, err error, texts *regexp.Regexp, usedBy func(context.Context) ([]string, error)) error {
	text, info, _ := serverText(err)
	if text == "" || !texts.MatchString(text) {
		return err
	}
	out := &clienterr.ConflictError{Info: *info}
	out.Err = err
	if users, uerr := usedBy(ctx); uerr == nil {
		out.UsedBy = users
	}
	if len(out.UsedBy) == 0 {
		out.Message = "incusd refused to delete it because it is still in use (" + text + ")"
	} else {
		names := make([]string, len(out.UsedBy))
		for i, u := range out.UsedBy {
			names[i] = DescribeUsedBy(u)
		}
		out.Message = fmt.Sprintf("it is still used by %s, so incusd refused to delete it (%s)", strings.Join(names, ", "), text)
	}
	out.Hint = "Remove it from what uses it, or destroy those first (in Terraform, a reference to this resource orders that), then apply again."
	return out
}

// DescribeUsedBy turns one of incusd's used_by URLs into words:
// "/1.0/instances/web?project=lab" is `instance "web" (project "lab")`.
// A URL it does not know is returned as it is.
func DescribeUsedBy(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	segs := strings.Split(strings.TrimPrefix(parsed.Path, "/1.0/"), "/")
	for i, seg := range segs {
		if un, err := url.PathUnescape(seg); err == nil {
			segs[i] = un
		}
	}
	where := ""
	if p := parsed.Query().Get("project"); p != "" {
		where = fmt.Sprintf(" (project %q)", p)
	}
	if t := parsed.Query().Get("target"); t != "" {
		where += fmt.Sprintf(" (member %q)", t)
	}
	kinds := map[string]string{
		"instances": "instance", "profiles": "profile", "images": "image", "networks": "network",
		"network-acls": "network ACL", "network-zones": "network zone", "projects": "project",
		"storage-pools": "storage pool",
	}
	switch {
	case len(segs) == 2 && kinds[segs[0]] != "":
		return fmt.Sprintf("%s %q%s", kinds[segs[0]], segs[1], where)
	case len(segs) == 5 && segs[0] == "storage-pools" && segs[2] == "volumes":
		return fmt.Sprintf("%s volume %q of pool %q%s", segs[3], segs[4], segs[1], where)
	case len(segs) == 7 && segs[0] == "storage-pools" && segs[2] == "volumes" && segs[5] == "snapshots":
		return fmt.Sprintf("snapshot %q of %s volume %q of pool %q%s", segs[6], segs[3], segs[4], segs[1], where)
	case len(segs) == 4 && segs[0] == "storage-pools" && segs[2] == "buckets":
		return fmt.Sprintf("storage bucket %q of pool %q%s", segs[3], segs[1], where)
	case len(segs) == 4 && segs[0] == "networks" && segs[2] == "peers":
		return fmt.Sprintf("network peer %q of network %q%s", segs[3], segs[1], where)
	case len(segs) == 4 && segs[0] == "instances" && segs[2] == "snapshots":
		return fmt.Sprintf("snapshot %q of instance %q%s", segs[3], segs[1], where)
	}
	return u
}

func copyConfig(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// nonNil is in, or an empty list for nil, so that a request body carries
// [] rather than null for "none".
func nonNil(in []string) []string {
	if in == nil {
		return []string{}
	}
	return in
}
