// Package configobject is the one implementation of the Incus objects that
// are little more than a name, a description and a config map (profiles,
// projects, storage pools, volumes, ACLs, zones, ...). A type adds only its
// own attributes and its client calls, in a Type value; the CRUD methods,
// import, plan-time scope, drift rules, ETag handling and the data source
// are written once here.
package configobject

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// Core is the part of the model every config object shares. A type's
// model embeds Base (Core, name and config), or Core and Named when the
// type has no config map (NoConfig), next to its own attributes. A type
// whose key is not called `name` (a forward's `listen_address`) embeds Core
// and has its own NameField.
type Core struct {
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	Remote      types.String `tfsdk:"remote"`
	Timeouts    types.Object `tfsdk:"timeouts"`
}

// Named is the `name` attribute most types are keyed by.
type Named struct {
	Name types.String `tfsdk:"name"`
}

// Base is Core with the name and the config map most config objects have.
type Base struct {
	Core
	Named
	Config types.Map `tfsdk:"config"`
}

// Common gives the generic code the shared part of a model.
func (b *Core) Common() *Core { return b }

// NameField gives the generic code the attribute the object is keyed by.
func (n *Named) NameField() *types.String { return &n.Name }

// ConfigField gives the generic code the config map of a model that has one.
func (b *Base) ConfigField() *types.Map { return &b.Config }

// Model is a type's model: a struct embedding Core, with a NameField.
type Model interface {
	Common() *Core
	NameField() *types.String
}

// Key names one object: its parents' names (the pool of a volume, the
// pool and volume of a snapshot), outermost first, and its own name.
type Key struct {
	Parents []string
	Name    string
}

// Object is what a type's Get returns: the object as the server has it and
// the ETag to send with the next update of it ("" when the server gave none).
type Object[O any] struct {
	Value *O
	ETag  string
}

// Type is what one config-object type adds to the generic implementation.
// M is its model (embedding Base), O its client struct.
type Type[M any, O any] struct {
	// Name is the object in the type name: "profile" is rack_incus_profile.
	Name string
	// NameAttribute is the attribute the object is keyed by when it is not
	// `name` (`listen_address` for a forward); its model then has a
	// NameField method of its own. The type gives its schema in Attributes.
	NameAttribute string
	// Title is the object in diagnostic summaries: "Profile" gives "Unable
	// to Create Incus Profile".
	Title string
	// Noun is the object in running text when it is not Title in lower
	// case ("network ACL" for the title "Network ACL").
	Noun        string
	Description string
	// CLI is the incus command for the object when it is not Name
	// ("storage volume" for the storage_volume type).
	CLI string
	// Requires is the server API extension the type needs (network
	// address sets need Incus 6.12's): a plan to create one on a server
	// without it fails, saying so. nil: every supported server has the type.
	Requires *incus.APIExtension
	// InProject: the object lives in an Incus project (a `project`
	// attribute, and a project in the import ID).
	InProject bool
	// Target: the type has a `target` attribute (a cluster member, in its
	// own Attributes) that every request of the object goes to.
	Target bool
	// Parents are the attributes naming the objects this one lives in,
	// outermost first ("pool" for a volume). Changing one replaces it.
	Parents []Parent
	// NoConfig: the object has no config map (a bucket key); its model
	// embeds Core instead of Base.
	NoConfig bool
	// Attributes are the type's own attributes. One with the name of a
	// shared attribute replaces it (a snapshot's `config` is read-only).
	Attributes     map[string]schema.Attribute
	NameValidators []validator.String
	Timeouts       fw.TimeoutDefaults
	// Filled reports config keys the server fills in itself (a pool's
	// `source`): not drift unless the user set them. volatile.* always are.
	Filled func(key string) bool

	Get    func(ctx context.Context, c *incus.Client, s incus.Scope, k Key) (Object[O], error)
	Create func(ctx context.Context, c *incus.Client, s incus.Scope, k Key, m *M, diags *diag.Diagnostics) error
	// FromConfig, when set, gives the model of a create or update what
	// only the config holds: write-only attributes, null in every plan and
	// state. prior is the state before an update, nil on a create.
	FromConfig func(m, config, prior *M)
	// Update writes the model's settable attributes; etag is the one of the
	// last read (the server refuses the write if the object changed since).
	Update func(ctx context.Context, c *incus.Client, s incus.Scope, k Key, m *M, etag string, diags *diag.Diagnostics) error
	// Rename, when set, renames in place; otherwise a new name replaces.
	Rename func(ctx context.Context, c *incus.Client, s incus.Scope, k Key, to string) error
	Delete func(ctx context.Context, c *incus.Client, s incus.Scope, k Key, m *M) error
	// Read sets the model from the server's object. prior is the model's
	// previous value (for config: only what the user manages is drift).
	Read func(ctx context.Context, m *M, o *O, diags *diag.Diagnostics)
	// Undeletable, when set, reports an object Incus will not delete (the
	// `default` profile): destroy resets it with Reset and drops it. Reset
	// gets the state, so it can undo only what Terraform set.
	Undeletable func(k Key) bool
	Reset       func(ctx context.Context, c *incus.Client, s incus.Scope, k Key, m *M, etag string) error
	// Kept, with Undeletable and no Reset, is why destroy leaves the object
	// as it is and only drops it from state (a cluster member).
	Kept string
}

// Parent is an attribute naming an object this one lives in.
type Parent struct {
	Attribute   string // "pool"
	Description string
}

// ImportIDForm is the type's import ID, e.g. `[remote:][project/]pool/name`.
func (t *Type[M, O]) ImportIDForm() incusattr.ImportIDForm {
	names := make([]string, 0, len(t.Parents)+1)
	for _, p := range t.Parents {
		names = append(names, p.Attribute)
	}
	return incusattr.ImportIDForm{InProject: t.InProject, Names: append(names, t.nameAttribute())}
}

// nameAttribute is the attribute the object is keyed by.
func (t *Type[M, O]) nameAttribute() string {
	if t.NameAttribute != "" {
		return t.NameAttribute
	}
	return "name"
}

// describe names an object for diagnostics: `profile "web" (project
// "default", remote "local")`.
func (t *Type[M, O]) describe(s incus.Scope, k Key) string {
	where := make([]string, 0, len(k.Parents)+2)
	for i, p := range k.Parents {
		where = append(where, fmt.Sprintf("%s %q", t.Parents[i].Attribute, p))
	}
	if t.InProject {
		where = append(where, fmt.Sprintf("project %q", s.Project))
	}
	where = append(where, fmt.Sprintf("remote %q", s.Remote))
	return fmt.Sprintf("%s %q (%s)", t.noun(), k.Name, strings.Join(where, ", "))
}

// summary is a diagnostic summary: "Unable to Create Incus Profile".
func (t *Type[M, O]) summary(verb string) string {
	return fmt.Sprintf("Unable to %s Incus %s", verb, t.Title)
}
