package storage

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
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
	Project   types.String      `tfsdk:"project"`
	Pool      types.String      `tfsdk:"pool"`
	Volume    types.String      `tfsdk:"volume"`
	ExpiresAt timetypes.RFC3339 `tfsdk:"expires_at"`
	CreatedAt types.String      `tfsdk:"created_at"`
}

func (m *snapshotModel) put(diags *diag.Diagnostics) incus.StorageVolumeSnapshotPut {
	return incus.StorageVolumeSnapshotPut{Description: m.Description.ValueString(), ExpiresAt: incusattr.ExpiryToAPI(m.ExpiresAt, diags)}
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
		"expires_at": schema.StringAttribute{Optional: true, Computed: true, CustomType: timetypes.RFC3339Type{},
			PlanModifiers: []planmodifier.String{incusattr.ExpiryPlan()},
			Description:   "When Incus deletes the snapshot, as an RFC 3339 time (`2030-01-02T15:04:05Z`). Unset, the snapshot never expires (an expiry from the volume's `snapshots.expiry` is cleared).",
		},
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
		// The same instant spelt another way is no change.
		m.ExpiresAt = incusattr.ExpiryFromAPI(m.ExpiresAt, v.ExpiresAt)
	},
}

// NewVolumeSnapshotResource is rack_incus_storage_volume_snapshot.
func NewVolumeSnapshotResource() resource.Resource { return configobject.NewResource(snapshotType)() }
