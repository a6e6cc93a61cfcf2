package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// snapshotModel is the state of rack_incus_storage_volume_snapshot.
type snapshotModel struct {
	configobject.Base
	Project   types.String `tfsdk:"project"`
	Pool      types.String `tfsdk:"pool"`
	Volume    types.String `tfsdk:"volume"`
	ExpiresAt types.String `tfsdk:"expires_at"`
	CreatedAt types.String `tfsdk:"created_at"`
}

func (m *snapshotModel) put(diags *diag.Diagnostics) incus.StorageVolumeSnapshotPut {
	put := incus.StorageVolumeSnapshotPut{Description: m.Description.ValueString()}
	if v := m.ExpiresAt.ValueString(); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			diags.AddError("Invalid Snapshot Expiry", fmt.Sprintf("expires_at %q is not an RFC 3339 time: %s", v, err))
		}
		put.ExpiresAt = t
	}
	return put
}

// rfc3339 checks expires_at at plan time.
type rfc3339 struct{}

func (rfc3339) Description(context.Context) string {
	return "must be an RFC 3339 time such as 2030-01-02T15:04:05Z"
}
func (v rfc3339) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (rfc3339) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Snapshot Expiry",
			fmt.Sprintf("expires_at %q is not an RFC 3339 time such as 2030-01-02T15:04:05Z: %s", req.ConfigValue.ValueString(), err))
	}
}

var snapshotType = &configobject.Type[snapshotModel, incus.StorageVolumeSnapshot]{
	Name:  "storage_volume_snapshot",
	Title: "Storage Volume Snapshot",
	CLI:   "storage volume snapshot",
	Description: "A snapshot of a custom Incus storage volume. A new name renames it in place; `description` and `expires_at` change in place. " +
		"incusd's snapshot create takes no description (a snapshot starts with its volume's), so creating one is two requests: the snapshot, then its description and expiry.",
	InProject: true,
	Parents: []configobject.Parent{
		{Attribute: "pool", Description: "Storage pool of the volume."},
		{Attribute: "volume", Description: "Custom volume the snapshot is of."},
	},
	Attributes: map[string]schema.Attribute{
		"config": schema.MapAttribute{Computed: true, ElementType: types.StringType,
			Description:   "The volume's config when the snapshot was taken.",
			PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()}},
		"expires_at": schema.StringAttribute{Optional: true,
			Description: "When Incus deletes the snapshot, as an RFC 3339 time (`2030-01-02T15:04:05Z`). Unset, the snapshot never expires (an expiry from the volume's `snapshots.expiry` is cleared).",
			Validators:  []validator.String{rfc3339{}}},
		"created_at": schema.StringAttribute{Computed: true,
			Description:   "When the snapshot was taken (RFC 3339).",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("storage volume snapshot", slashProblem)},
	Timeouts:       storageTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.StorageVolumeSnapshot], error) {
		v, err := c.GetStorageVolumeSnapshot(ctx, s, k.Parents[0], k.Parents[1], k.Name)
		if err != nil {
			return configobject.Object[incus.StorageVolumeSnapshot]{}, err
		}
		return configobject.Object[incus.StorageVolumeSnapshot]{Value: v, ETag: v.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *snapshotModel, diags *diag.Diagnostics) error {
		put := m.put(diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateStorageVolumeSnapshot(ctx, s, k.Parents[0], k.Parents[1], incus.StorageVolumeSnapshotSpec{Name: k.Name, StorageVolumeSnapshotPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *snapshotModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateStorageVolumeSnapshot(ctx, s, k.Parents[0], k.Parents[1], k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameStorageVolumeSnapshot(ctx, s, k.Parents[0], k.Parents[1], k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *snapshotModel) error {
		return c.DeleteStorageVolumeSnapshot(ctx, s, k.Parents[0], k.Parents[1], k.Name)
	},
	Read: func(_ context.Context, m *snapshotModel, v *incus.StorageVolumeSnapshot, _ *diag.Diagnostics) {
		m.Description = types.StringValue(v.Description)
		m.Config = incusattr.ConfigFromAPI(v.Config, types.MapNull(types.StringType), func(string) bool { return false })
		if m.Config.IsNull() {
			m.Config = types.MapValueMust(types.StringType, nil)
		}
		m.Pool = types.StringValue(v.Pool)
		m.Volume = types.StringValue(v.Volume)
		m.CreatedAt = types.StringValue(v.CreatedAt.UTC().Format(time.RFC3339))
		switch {
		case v.ExpiresAt.IsZero():
			m.ExpiresAt = types.StringNull()
		case sameTime(m.ExpiresAt.ValueString(), v.ExpiresAt):
			// keep the configured spelling of the same instant
		default:
			m.ExpiresAt = types.StringValue(v.ExpiresAt.UTC().Format(time.RFC3339))
		}
	},
}

// sameTime reports whether s is an RFC 3339 spelling of t.
func sameTime(s string, t time.Time) bool {
	p, err := time.Parse(time.RFC3339, s)
	return err == nil && p.Equal(t)
}

// NewVolumeSnapshotResource is rack_incus_storage_volume_snapshot.
func NewVolumeSnapshotResource() resource.Resource { return configobject.NewResource(snapshotType)() }
