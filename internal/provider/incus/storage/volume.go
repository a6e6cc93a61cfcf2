package storage

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// volumeFilledKeys are the volume keys Incus fills in when not given: from
// the pool's volume.* defaults (size, block.filesystem, ...).
var volumeFilledKeys = map[string]bool{
	"size": true, "block.filesystem": true, "block.mount_options": true, "block.type": true,
	"zfs.blocksize": true, "lvm.stripes": true, "lvm.stripes.size": true,
}

func volumeFilled(key string) bool { return volumeFilledKeys[key] }

// volumeModel is the state of rack_incus_storage_volume.
type volumeModel struct {
	configobject.Base
	Project      types.String `tfsdk:"project"`
	Pool         types.String `tfsdk:"pool"`
	ContentType  types.String `tfsdk:"content_type"`
	Target       types.String `tfsdk:"target"`
	SourceVolume types.Object `tfsdk:"source_volume"`
	Location     types.String `tfsdk:"location"`
	UsedBy       types.List   `tfsdk:"used_by"`
}

// sourceVolumeModel is source_volume.
type sourceVolumeModel struct {
	Pool    types.String `tfsdk:"pool"`
	Name    types.String `tfsdk:"name"`
	Project types.String `tfsdk:"project"`
	Remote  types.String `tfsdk:"remote"`
}

var sourceVolumeTypes = map[string]attr.Type{
	"pool": types.StringType, "name": types.StringType, "project": types.StringType, "remote": types.StringType,
}

func (m *volumeModel) put(ctx context.Context, diags *diag.Diagnostics) incus.StorageVolumePut {
	cfg := fw.StringMap(ctx, m.Config, diags)
	if cfg == nil {
		cfg = map[string]string{}
	}
	return incus.StorageVolumePut{Description: m.Description.ValueString(), Config: cfg}
}

func (m *volumeModel) source(ctx context.Context, diags *diag.Diagnostics) *incus.VolumeSource {
	if m.SourceVolume.IsNull() || m.SourceVolume.IsUnknown() {
		return nil
	}
	var src sourceVolumeModel
	diags.Append(m.SourceVolume.As(ctx, &src, basetypes.ObjectAsOptions{})...)
	return &incus.VolumeSource{
		Remote:  src.Remote.ValueString(),
		Project: src.Project.ValueString(),
		Pool:    src.Pool.ValueString(),
		Name:    src.Name.ValueString(),
	}
}

var volumeType = &configobject.Type[volumeModel, incus.StorageVolume]{
	Name:  "storage_volume",
	Title: "Storage Volume",
	CLI:   "storage volume",
	Description: "A custom Incus storage volume, in a pool and a project. A new name renames it in place (disks that use it follow). " +
		"Keys Incus fills in from the pool's `volume.*` defaults (`size`, `block.filesystem`, ...) and `volatile.*` keys are not drift unless set in `config`. " +
		"Deleting a volume that instances or profiles still use is refused, and the error lists them. " +
		"Note: incusd 6.0.4's volume ETag does not cover the description, so a description changed outside Terraform between refresh and apply is overwritten rather than refused.",
	InProject: true,
	Target:    true,
	Parents:   []configobject.Parent{{Attribute: "pool", Description: "Storage pool of the volume."}},
	Attributes: map[string]schema.Attribute{
		"content_type": schema.StringAttribute{Optional: true, Computed: true,
			Description: "Content type: `filesystem`, `block` or `iso`. Defaults to `filesystem` (a copy takes its source's). Changing it replaces the volume.",
			Validators:  []validator.String{stringvalidator.OneOf("filesystem", "block", "iso")},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(),
				stringplanmodifier.UseStateForUnknown()}},
		"target": targetAttribute("volume"),
		"source_volume": schema.SingleNestedAttribute{Optional: true,
			Description: "Create the volume as a copy of this one (without its snapshots), then set `description` and `config` on it. Only read at creation: changing it replaces the volume, and an imported volume has none.",
			Attributes: map[string]schema.Attribute{
				"name":    schema.StringAttribute{Required: true, Description: "Name of the volume to copy."},
				"pool":    schema.StringAttribute{Optional: true, Description: "Pool of the volume to copy. Defaults to the new volume's pool."},
				"project": schema.StringAttribute{Optional: true, Description: "Project of the volume to copy. Defaults to the new volume's project when on the same remote."},
				"remote":  schema.StringAttribute{Optional: true, Description: "Remote of the volume to copy. Defaults to the new volume's remote."},
			},
			// Set after an import (state null): the volume exists, keep it.
			PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.ObjectRequest, resp *objectplanmodifier.RequiresReplaceIfFuncResponse) {
				resp.RequiresReplace = !req.StateValue.IsNull()
			}, "A change replaces the volume, unless it was imported.", "A change replaces the volume, unless it was imported.")}},
		"location": schema.StringAttribute{Computed: true,
			Description:   "Cluster member that holds the volume (`none` on a standalone server).",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"used_by": usedByAttribute("volume"),
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("storage volume", slashProblem)},
	Timeouts:       storageTimeouts,
	Filled:         volumeFilled,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.StorageVolume], error) {
		v, err := c.GetStorageVolume(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.StorageVolume]{}, err
		}
		return configobject.Object[incus.StorageVolume]{Value: v, ETag: v.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *volumeModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		src := m.source(ctx, diags)
		if diags.HasError() {
			return nil
		}
		spec := incus.StorageVolumeSpec{Name: k.Name, Pool: k.Parents[0], ContentType: fw.KnownString(m.ContentType), StorageVolumePut: put, Source: src}
		if err := c.CreateStorageVolume(ctx, s, spec); err != nil || src == nil {
			return err
		}
		// A copy takes the source's description and config: set ours.
		return updateVolume(ctx, c, s, k, put, "")
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *volumeModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return updateVolume(ctx, c, s, k, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameStorageVolume(ctx, s, k.Parents[0], k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *volumeModel) error {
		return c.DeleteStorageVolume(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *volumeModel, v *incus.StorageVolume, _ *diag.Diagnostics) {
		m.Description = types.StringValue(v.Description)
		m.Config = incusattr.ConfigFromAPI(v.Config, m.Config, volumeFilled)
		if m.Project.IsNull() || m.Project.IsUnknown() {
			// incusd answers with the project the object really lives in
			// (default, for a project without features.profiles or
			// features.storage.volumes); state keeps the one asked for.
			m.Project = types.StringValue(v.Project)
		}
		m.Pool = types.StringValue(v.Pool)
		m.ContentType = types.StringValue(v.ContentType)
		m.Location = types.StringValue(v.Location)
		m.UsedBy = fw.StringListValue(v.UsedBy)
		if m.SourceVolume.IsUnknown() {
			m.SourceVolume = types.ObjectNull(sourceVolumeTypes)
		}
	},
}

// updateVolume writes put, keeping the keys Incus filled in that put
// leaves out (incusd refuses to drop some, such as block.filesystem).
func updateVolume(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, put incus.StorageVolumePut, etag string) error {
	cur, err := c.GetStorageVolume(ctx, s, k.Parents[0], k.Name)
	if err != nil {
		return err
	}
	incusattr.KeepFilled(put.Config, cur.Config, volumeFilled)
	return c.UpdateStorageVolume(ctx, s, k.Parents[0], k.Name, put, etag)
}

// NewVolumeResource is rack_incus_storage_volume.
func NewVolumeResource() resource.Resource { return configobject.NewResource(volumeType)() }

// NewVolumeDataSource is data.rack_incus_storage_volume.
func NewVolumeDataSource() datasource.DataSource { return configobject.NewDataSource(volumeType)() }
