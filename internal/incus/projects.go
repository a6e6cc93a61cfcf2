package incus

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
)

// ProjectPut is what can change on a project.
type ProjectPut struct {
	Description string
	Config      map[string]string
}

// Project is an Incus project. Projects belong to the whole server: only the
// remote of a Scope counts.
type Project struct {
	Name string
	ProjectPut
	UsedBy []string // incusd's used_by URLs: what the project holds, its default profile included
	ETag   string
}

// ProjectSpec is what CreateProject sends.
type ProjectSpec struct {
	Name string
	ProjectPut
}

// GetProject reads a project with its ETag in one request.
func (c *Client) GetProject(ctx context.Context, s Scope, name string) (*Project, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	p, etag, err := get(ctx, projectObject(s, name), address, func() (*api.Project, string, error) {
		return srv.GetProject(name)
	})
	if err != nil {
		return nil, err
	}
	return &Project{
		Name:       p.Name,
		ProjectPut: ProjectPut{Description: p.Description, Config: copyConfig(p.Config)},
		UsedBy:     sortedCopy(p.UsedBy),
		ETag:       etag,
	}, nil
}

// CreateProject creates a project (one request). A taken name is a Conflict
// naming the import ID `remote:name`.
func (c *Client) CreateProject(ctx context.Context, s Scope, spec ProjectSpec) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	req := api.ProjectsPost{Name: spec.Name, ProjectPut: projectPut(spec.ProjectPut)}
	err = mutate(ctx, "the create request", projectObject(s, spec.Name), address, func() error {
		return srv.CreateProject(req)
	})
	return taken(err, ServerImportID(s.Remote, spec.Name))
}

// UpdateProject replaces a project's description and config, guarded by
// etag when it is not empty.
func (c *Client) UpdateProject(ctx context.Context, s Scope, name string, put ProjectPut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	return mutate(ctx, "the update request", projectObject(s, name), address, func() error {
		return srv.UpdateProject(name, projectPut(put), etag)
	})
}

// RenameProject renames a project. incusd renames only empty projects (the
// operation fails "Only empty projects can be renamed": an OperationError).
func (c *Client) RenameProject(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = operate(ctx, srv, "the rename request", projectObject(s, from), address, func() (incusclient.Operation, error) {
		return srv.RenameProject(from, api.ProjectPost{Name: to})
	})
	return taken(err, ServerImportID(s.Remote, to))
}

// DeleteProject deletes an empty project. A project that still holds
// objects is a Conflict listing them (UsedBy, its default profile left
// out); a missing one is NotFound. The default project cannot be deleted
// (Permission).
func (c *Client) DeleteProject(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", projectObject(s, name), address, func() error {
		return srv.DeleteProject(name)
	})
	return refusedInUse(ctx, err, func(ctx context.Context) ([]string, error) {
		p, err := c.GetProject(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return withoutDefaultProfile(p.UsedBy), nil
	})
}

// ProjectContents is what a project holds, from its used_by.
type ProjectContents struct {
	Instances []string
	Images    []string // fingerprints
	Volumes   []string // custom volumes, "pool/name"
	Buckets   []string // "pool/name"
	Profiles  []string // the default profile left out
	Networks  []string
	// Other lists the used_by URLs of anything else (network ACLs, zones, ...).
	Other []string
	// DefaultProfile reports whether the project has its own default
	// profile (features.profiles), which Incus keeps until the project goes.
	DefaultProfile bool
}

// Empty reports whether the project holds nothing that stops its deletion.
func (p *ProjectContents) Empty() bool {
	return len(p.Instances)+len(p.Images)+len(p.Volumes)+len(p.Buckets)+len(p.Profiles)+len(p.Networks)+len(p.Other) == 0
}

// ProjectContents reads what a project holds (one request).
func (c *Client) ProjectContents(ctx context.Context, s Scope, name string) (*ProjectContents, error) {
	p, err := c.GetProject(ctx, s, name)
	if err != nil {
		return nil, err
	}
	return contentsOf(p.UsedBy), nil
}

func contentsOf(usedBy []string) *ProjectContents {
	out := &ProjectContents{}
	for _, u := range usedBy {
		parsed, err := url.Parse(u)
		if err != nil {
			out.Other = append(out.Other, u)
			continue
		}
		segs := strings.Split(strings.TrimPrefix(parsed.Path, "/1.0/"), "/")
		for i, seg := range segs {
			if un, err := url.PathUnescape(seg); err == nil {
				segs[i] = un
			}
		}
		switch {
		case len(segs) == 2 && segs[0] == "instances":
			out.Instances = append(out.Instances, segs[1])
		case len(segs) == 2 && segs[0] == "images":
			out.Images = append(out.Images, segs[1])
		case len(segs) == 2 && segs[0] == "profiles" && segs[1] == api.ProjectDefaultName:
			out.DefaultProfile = true
		case len(segs) == 2 && segs[0] == "profiles":
			out.Profiles = append(out.Profiles, segs[1])
		case len(segs) == 2 && segs[0] == "networks":
			out.Networks = append(out.Networks, segs[1])
		case len(segs) == 5 && segs[0] == "storage-pools" && segs[2] == "volumes" && segs[3] == "custom":
			out.Volumes = append(out.Volumes, segs[1]+"/"+segs[4])
		case len(segs) == 4 && segs[0] == "storage-pools" && segs[2] == "buckets":
			out.Buckets = append(out.Buckets, segs[1]+"/"+segs[3])
		default:
			out.Other = append(out.Other, u)
		}
	}
	return out
}

func withoutDefaultProfile(usedBy []string) []string {
	var out []string
	for _, u := range usedBy {
		if parsed, err := url.Parse(u); err == nil && parsed.Path == "/1.0/profiles/"+api.ProjectDefaultName {
			continue
		}
		out = append(out, u)
	}
	return out
}

// DeleteProjectContents empties a project for force_destroy: it stops and
// deletes its instances (graceful as in DeleteInstance), deletes its images,
// custom volumes, buckets and profiles, and resets its default profile.
// Networks and anything else are left: the project's delete then names
// them. Objects already gone count as deleted. It goes on past a failure and
// returns every error.
func (c *Client) DeleteProjectContents(ctx context.Context, s Scope, name string, graceful time.Duration) error {
	contents, err := c.ProjectContents(ctx, s, name)
	if err != nil {
		return err
	}
	in := s
	in.Project = name
	in.Target = ""
	var errs []error
	keep := func(err error) {
		if err != nil && !IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	for _, inst := range contents.Instances {
		keep(c.DeleteInstance(ctx, in, inst, false, graceful))
	}
	for _, fp := range contents.Images {
		keep(c.deleteImage(ctx, in, fp))
	}
	// Profiles before volumes and buckets: incusd refuses to delete a
	// volume that a profile's disk device still names.
	for _, p := range contents.Profiles {
		keep(c.DeleteProfile(ctx, in, p))
	}
	if contents.DefaultProfile {
		keep(c.ResetProfile(ctx, in, api.ProjectDefaultName, ""))
	}
	for _, b := range contents.Buckets {
		pool, bucket, _ := strings.Cut(b, "/")
		keep(c.DeleteStorageBucket(ctx, in, pool, bucket))
	}
	for _, v := range contents.Volumes {
		pool, vol, _ := strings.Cut(v, "/")
		keep(c.DeleteStorageVolume(ctx, in, pool, vol))
	}
	return errors.Join(errs...)
}

// deleteImage deletes an image of a project by fingerprint.
func (c *Client) deleteImage(ctx context.Context, s Scope, fingerprint string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	object := imageObject(fingerprint, false, s, Remote{}, true, "", "")
	return operate(ctx, srv, "the delete request", object, address, func() (incusclient.Operation, error) {
		return srv.DeleteImage(fingerprint)
	})
}

func projectPut(p ProjectPut) api.ProjectPut {
	out := api.ProjectPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}
