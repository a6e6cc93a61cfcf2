package storage

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// poolDrivers are the storage drivers incusd 6.0 knows.
var poolDrivers = []string{"btrfs", "ceph", "cephfs", "cephobject", "dir", "linstor", "lvm", "lvmcluster", "zfs"}

// poolFilledKeys are the pool keys the drivers fill in when not given (the
// directory or loop file, its size, the names of the underlying zpool,
// volume group or ceph pool).
var poolFilledKeys = map[string]bool{
	"source": true, "size": true, "zfs.pool_name": true,
	"lvm.vg_name": true, "lvm.thinpool_name": true, "lvm.thinpool_metadata_size": true,
	"ceph.cluster_name": true, "ceph.osd.pg_num": true, "ceph.osd.pool_name": true, "ceph.user.name": true,
	"cephfs.cluster_name": true, "cephfs.path": true, "cephfs.user.name": true,
	"cephobject.cluster_name": true, "cephobject.user.name": true,
	"linstor.resource_group.name": true, "linstor.resource_group.place_count": true,
}

func poolFilled(key string) bool { return poolFilledKeys[key] }

// poolModel is the state of rack_incus_storage_pool.
type poolModel struct {
	configobject.Base
	Driver       types.String `tfsdk:"driver"`
	Target       types.String `tfsdk:"target"`
	MemberConfig types.Map    `tfsdk:"member_config"`
	UsedBy       types.List   `tfsdk:"used_by"`
}

func (m *poolModel) put(ctx context.Context, diags *diag.Diagnostics) incus.StoragePoolPut {
	cfg := fw.StringMap(ctx, m.Config, diags)
	if cfg == nil {
		cfg = map[string]string{}
	}
	return incus.StoragePoolPut{Description: m.Description.ValueString(), Config: cfg}
}

// memberConfigs is member_config: member -> its config.
func (m *poolModel) memberConfigs(ctx context.Context, diags *diag.Diagnostics) map[string]map[string]string {
	if m.MemberConfig.IsNull() || m.MemberConfig.IsUnknown() {
		return nil
	}
	out := map[string]map[string]string{}
	diags.Append(m.MemberConfig.ElementsAs(ctx, &out, false)...)
	return out
}

// keepFilled adds to put the keys Incus filled in (and volatile.*) that the
// configuration leaves out: incusd refuses a PUT that drops them ("Pool
// source cannot be changed when not in pending state").
func keepFilled(put, server map[string]string, filled func(string) bool) {
	for k, v := range server {
		if _, set := put[k]; !set && (strings.HasPrefix(k, "volatile.") || filled(k)) {
			put[k] = v
		}
	}
}

var poolType = &configobject.Type[poolModel, incus.StoragePool]{
	Name:  "storage_pool",
	Title: "Storage Pool",
	CLI:   "storage",
	Description: "An Incus storage pool. Pools belong to the whole server (no project). " +
		"Incus cannot rename a pool: a new name replaces it. " +
		"Keys the driver fills in when not set (`source`, the `size` of a loop file, `zfs.pool_name`, `lvm.vg_name`, ...) and `volatile.*` keys are not drift; set them in `config` to manage them. " +
		"Deleting a pool that volumes, profiles or instances still use is refused, and the error lists them; the pool stays in state.",
	Target: true,
	Attributes: map[string]schema.Attribute{
		"driver": schema.StringAttribute{Required: true,
			Description:   "Storage driver: one of `" + strings.Join(poolDrivers, "`, `") + "`. Changing it replaces the pool.",
			Validators:    []validator.String{stringvalidator.OneOf(poolDrivers...)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"target": targetAttribute("pool"),
		"member_config": schema.MapAttribute{Optional: true, ElementType: types.MapType{ElemType: types.StringType},
			Description: "Clusters only: the member-specific config of each cluster member, as a map of member name to config map (for example `{ node1 = { source = \"/dev/sdb\" } }`). " +
				"The pool is first defined on each member with its config (`incus storage create --target`), then created with `config`. " +
				"Member-specific keys cannot change once the pool exists, so a change replaces the pool; they are not read back. Conflicts with `target`.",
			Validators: []validator.Map{
				mapvalidator.ConflictsWith(path.MatchRoot("target")),
				mapvalidator.ValueMapsAre(mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})),
			},
			// Set after an import (state null): nothing to replace.
			PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
				resp.RequiresReplace = !req.StateValue.IsNull()
			}, "A change replaces the pool, unless it was imported.", "A change replaces the pool, unless it was imported.")}},
		"used_by": usedByAttribute("pool"),
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("storage pool", slashProblem)},
	Timeouts:       storageTimeouts,
	Filled:         poolFilled,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.StoragePool], error) {
		p, err := c.GetStoragePool(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.StoragePool]{}, err
		}
		return configobject.Object[incus.StoragePool]{Value: p, ETag: p.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *poolModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		members := m.memberConfigs(ctx, diags)
		if diags.HasError() {
			return nil
		}
		driver := m.Driver.ValueString()
		names := make([]string, 0, len(members))
		for n := range members {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, member := range names {
			at := s
			at.Target = member
			spec := incus.StoragePoolSpec{Name: k.Name, Driver: driver, StoragePoolPut: incus.StoragePoolPut{Config: members[member]}}
			if err := c.CreateStoragePool(ctx, at, spec); err != nil {
				return err
			}
		}
		return c.CreateStoragePool(ctx, s, incus.StoragePoolSpec{Name: k.Name, Driver: driver, StoragePoolPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *poolModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		cur, err := c.GetStoragePool(ctx, s, k.Name)
		if err != nil {
			return err
		}
		keepFilled(put.Config, cur.Config, poolFilled)
		return c.UpdateStoragePool(ctx, s, k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *poolModel) error {
		s.Target = "" // a pool is deleted from the whole cluster at once
		return c.DeleteStoragePool(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *poolModel, p *incus.StoragePool, _ *diag.Diagnostics) {
		m.Description = types.StringValue(p.Description)
		m.Driver = types.StringValue(p.Driver)
		m.Config = incusattr.ConfigFromAPI(p.Config, m.Config, poolFilled)
		m.UsedBy = fw.StringListValue(p.UsedBy)
		if m.MemberConfig.IsUnknown() {
			m.MemberConfig = types.MapNull(types.MapType{ElemType: types.StringType})
		}
	},
}

// NewPoolResource is rack_incus_storage_pool.
func NewPoolResource() resource.Resource { return configobject.NewResource(poolType)() }

// NewPoolDataSource is data.rack_incus_storage_pool.
func NewPoolDataSource() datasource.DataSource { return configobject.NewDataSource(poolType)() }
