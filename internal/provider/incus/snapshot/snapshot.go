// Package snapshot is rack_incus_instance_snapshot: a snapshot of an Incus
// instance, served by the generic config-object implementation with the
// instance as its parent.
package snapshot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// model is the state of rack_incus_instance_snapshot.
type model struct {
	configobject.Core
	configobject.Named
	Project   types.String      `tfsdk:"project"`
	Instance  types.String      `tfsdk:"instance"`
	Stateful  types.Bool        `tfsdk:"stateful"`
	ExpiresAt timetypes.RFC3339 `tfsdk:"expires_at"`
	CreatedAt types.String      `tfsdk:"created_at"`
}

// nameProblem is incusd's check of snapshot names (validate.IsURLSegmentSafe).
func nameProblem(name string) string {
	if name == "" {
		return "it must not be empty"
	}
	for _, c := range []string{"/", "?", "&", "+"} {
		if strings.Contains(name, c) {
			return fmt.Sprintf("it must not contain %q", c)
		}
	}
	return ""
}

var timeouts = fw.TimeoutDefaults{Create: 10 * time.Minute, Read: 2 * time.Minute, Update: 5 * time.Minute, Delete: 10 * time.Minute}

var snapshotType = &configobject.Type[model, incus.InstanceSnapshot]{
	Name:  "instance_snapshot",
	Title: "Instance Snapshot",
	CLI:   "snapshot",
	Description: "A snapshot of an Incus instance (`incus snapshot create`). A new name renames it in place and `expires_at` changes in place; " +
		"`stateful` replaces it. Taking a snapshot is a background operation: a failure shows its operation ID. " +
		"Incus has no way to set a snapshot's description, so `description` is read-only here.",
	InProject: true,
	NoConfig:  true,
	Parents: []configobject.Parent{
		{Attribute: "instance", Description: "Instance the snapshot is of."},
	},
	Attributes: map[string]schema.Attribute{
		"description": schema.StringAttribute{Computed: true,
			Description:   "Description Incus reports for the snapshot (incusd 6.0 reports none). Read-only: Incus has no way to set a snapshot's description.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"stateful": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			Description: "Also save the running state (memory, processes). Needs a running instance with `migration.stateful=true` and, for a container, CRIU on the server; " +
				"without them incusd refuses the snapshot and the diagnostic shows its reason. Defaults to `false`. Changing it replaces the snapshot."},
		"expires_at": schema.StringAttribute{Optional: true, Computed: true, CustomType: timetypes.RFC3339Type{},
			PlanModifiers: []planmodifier.String{incusattr.ExpiryPlan()},
			Description: "When Incus deletes the snapshot, as an RFC 3339 time (`2030-01-02T15:04:05Z`); the same instant written another way is no change. " +
				"Unset, the snapshot never expires (the instance's `snapshots.expiry` does not apply). A snapshot Incus deleted at its expiry is created again by the next apply; leave the attribute unset, or use `lifecycle { ignore_changes }`, where that is not wanted."},
		"created_at": schema.StringAttribute{Computed: true,
			Description:   "When the snapshot was taken (RFC 3339).",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("instance snapshot", nameProblem)},
	Timeouts:       timeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.InstanceSnapshot], error) {
		v, err := c.GetInstanceSnapshot(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.InstanceSnapshot]{}, err
		}
		return configobject.Object[incus.InstanceSnapshot]{Value: v, ETag: v.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, diags *diag.Diagnostics) error {
		expires := incusattr.ExpiryToAPI(m.ExpiresAt, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateInstanceSnapshot(ctx, s, k.Parents[0], incus.InstanceSnapshotSpec{Name: k.Name, Stateful: m.Stateful.ValueBool(), ExpiresAt: expires})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, etag string, diags *diag.Diagnostics) error {
		expires := incusattr.ExpiryToAPI(m.ExpiresAt, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateInstanceSnapshot(ctx, s, k.Parents[0], k.Name, expires, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameInstanceSnapshot(ctx, s, k.Parents[0], k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *model) error {
		return c.DeleteInstanceSnapshot(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *model, v *incus.InstanceSnapshot, _ *diag.Diagnostics) {
		m.Description = types.StringValue(v.Description)
		m.Instance = types.StringValue(v.Instance)
		m.Stateful = types.BoolValue(v.Stateful)
		m.CreatedAt = types.StringValue(v.CreatedAt.UTC().Format(time.RFC3339))
		m.ExpiresAt = incusattr.ExpiryFromAPI(m.ExpiresAt, v.ExpiresAt)
	},
}

// NewResource is rack_incus_instance_snapshot.
func NewResource() resource.Resource { return configobject.NewResource(snapshotType)() }
