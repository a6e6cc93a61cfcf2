// Package project is rack_incus_project, resource and data source, on the
// generic config object (internal/provider/incus/configobject).
package project

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// model is the state of rack_incus_project.
type model struct {
	configobject.Base
	ForceDestroy types.Bool `tfsdk:"force_destroy"`
}

// defaultDescription is the description incusd gives the default project:
// what destroying it puts back.
const defaultDescription = "Default Incus project"

// filled: incusd sets the features.* keys a new project leaves out.
func filled(key string) bool { return strings.HasPrefix(key, "features.") }

var projectType = &configobject.Type[model, incus.Project]{
	Name:  "project",
	Title: "Project",
	Description: "An Incus project: a namespace of instances, images, profiles, volumes and buckets with its own limits and restrictions. " +
		"Incus sets the `features.*` keys a new project leaves out; they are shown only when set in `config` (removing one from `config` leaves it as it is; after an import, the first plan adds the ones `config` sets, which changes nothing on the server). " +
		"Incus renames only empty projects: renaming one that holds anything fails and says what it holds. " +
		"Destroying a project that holds instances, images, volumes, buckets or profiles fails and lists them, unless `force_destroy` is set. " +
		"The `default` project can be imported and managed; Incus does not delete it, so destroying it puts its description back and removes the config keys Terraform set, and drops it from state.",
	Attributes: map[string]schema.Attribute{
		"force_destroy": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			Description: "Whether destroying the project first deletes everything it holds: its instances (stopped by force), images, custom volumes, buckets and profiles (its default profile is reset). " +
				"Networks and other objects are not deleted: the project's delete then names them. Defaults to `false`. Without it, destroying a project that is not empty fails and lists what it holds."},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("project", projectNameProblem)},
	Filled:         filled,
	Timeouts:       fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 10 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.Project], error) {
		p, err := c.GetProject(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.Project]{}, err
		}
		return configobject.Object[incus.Project]{Value: p, ETag: p.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, diags *diag.Diagnostics) error {
		cfg := fw.StringMap(ctx, m.Config, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateProject(ctx, s, incus.ProjectSpec{Name: k.Name, ProjectPut: incus.ProjectPut{Description: m.Description.ValueString(), Config: cfg}})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, etag string, diags *diag.Diagnostics) error {
		cfg := fw.StringMap(ctx, m.Config, diags)
		if diags.HasError() {
			return nil
		}
		// An update replaces the whole config, and a features.* key left out
		// counts as turned off: send back those Incus set and the user does
		// not. The ETag of the refresh still guards the write.
		cur, err := c.GetProject(ctx, s, k.Name)
		if err != nil {
			return err
		}
		return c.UpdateProject(ctx, s, k.Name, incus.ProjectPut{Description: m.Description.ValueString(), Config: withFilled(cfg, cur.Config)}, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		err := c.RenameProject(ctx, s, k.Name, to)
		var opErr *clienterr.OperationError
		var conflict *clienterr.ConflictError
		if !errors.As(err, &opErr) || errors.As(err, &conflict) {
			return err // done, or the name is taken (a Conflict with the import ID)
		}
		// incusd renames only empty projects: say what this one holds.
		contents, cerr := c.ProjectContents(ctx, s, k.Name)
		if cerr != nil || contents.Empty() {
			return err
		}
		return &clienterr.ValidationError{Info: clienterr.Info{
			Object:  opErr.Object,
			Message: fmt.Sprintf("%s; it holds %s", opErr.Message, describe(contents)),
			Hint:    "Incus renames only empty projects: empty it first (move or delete what it holds), or keep its name.",
			Err:     err,
		}}
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model) error {
		if m.ForceDestroy.ValueBool() {
			if err := c.DeleteProjectContents(ctx, s, k.Name, 0); err != nil {
				return err
			}
		}
		err := c.DeleteProject(ctx, s, k.Name)
		var conflict *clienterr.ConflictError
		if errors.As(err, &conflict) && len(conflict.UsedBy) > 0 && !m.ForceDestroy.ValueBool() {
			conflict.Hint = "Destroy what it holds first, or set force_destroy = true (and apply) to delete it with the project."
		}
		return err
	},
	Read: func(_ context.Context, m *model, p *incus.Project, _ *diag.Diagnostics) {
		m.Description = types.StringValue(p.Description)
		m.Config = incusattr.ConfigFromAPI(p.Config, m.Config, filled)
		if m.ForceDestroy.IsNull() || m.ForceDestroy.IsUnknown() {
			m.ForceDestroy = types.BoolValue(false) // imported or read: the default
		}
	},
	Undeletable: func(k configobject.Key) bool { return k.Name == "default" },
	Reset: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, etag string) error {
		cur, err := c.GetProject(ctx, s, k.Name)
		if err != nil {
			return err
		}
		// Remove only the keys Terraform set (features.* cannot change on
		// the default project); keep what others set.
		cfg := map[string]string{}
		for key, v := range cur.Config {
			if _, set := m.Config.Elements()[key]; !set || filled(key) {
				cfg[key] = v
			}
		}
		return c.UpdateProject(ctx, s, k.Name, incus.ProjectPut{Description: defaultDescription, Config: cfg}, etag)
	},
}

// withFilled is the config to send: the user's, plus the keys Incus filled
// in that the user does not set.
func withFilled(user, server map[string]string) map[string]string {
	out := make(map[string]string, len(user)+len(server))
	for k, v := range server {
		if filled(k) {
			out[k] = v
		}
	}
	for k, v := range user {
		out[k] = v
	}
	return out
}

// describe lists a project's contents in words.
func describe(p *incus.ProjectContents) string {
	var parts []string
	add := func(kind string, names []string) {
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%s %q", kind, n))
		}
	}
	add("instance", p.Instances)
	add("image", p.Images)
	add("volume", p.Volumes)
	add("bucket", p.Buckets)
	add("profile", p.Profiles)
	add("network", p.Networks)
	parts = append(parts, p.Other...)
	return strings.Join(parts, ", ")
}

// projectNameProblem is what incusd says of a project name it refuses
// (docs-internal/incus-error-texts.md), "" for a good one.
func projectNameProblem(name string) string {
	switch {
	case name == "":
		return "No name provided"
	case strings.Contains(name, "/"):
		return "Project names may not contain slashes"
	case strings.Contains(name, " "):
		return "Project names may not contain spaces"
	case strings.Contains(name, "_"):
		return "Project names may not contain underscores"
	case strings.ContainsAny(name, `'"`):
		return "Project names may not contain quotes"
	case name == "*":
		return "Reserved project name"
	}
	return ""
}

// NewResource is rack_incus_project.
func NewResource() resource.Resource { return configobject.NewResource(projectType)() }

// NewDataSource is data.rack_incus_project.
func NewDataSource() datasource.DataSource { return configobject.NewDataSource(projectType)() }
