package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// memberServerKeys are the server keys each cluster member holds for
// itself (internal/server/node/config.go of incusd 6.0.4); the others are
// the whole cluster's. cluster.https_address cannot change once set.
var memberServerKeys = map[string]bool{
	"core.https_address": true, "cluster.https_address": true, "core.bgp_address": true,
	"core.bgp_routerid": true, "core.debug_address": true, "core.dns_address": true,
	"core.metrics_address": true, "core.storage_buckets_address": true, "core.syslog_socket": true,
	"network.ovs.connection": true, "storage.backups_volume": true, "storage.images_volume": true,
	"storage.logs_volume": true, "storage.linstor.satellite.name": true,
}

var serverTimeouts = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute}

// serverModel is the state of rack_incus_server.
type serverModel struct {
	ID       types.String `tfsdk:"id"`
	Remote   types.String `tfsdk:"remote"`
	Target   types.String `tfsdk:"target"`
	Config   types.Map    `tfsdk:"config"`
	Timeouts types.Object `tfsdk:"timeouts"`
}

type serverResource struct{ data *providerdata.Data }

var (
	_ resource.ResourceWithConfigure   = (*serverResource)(nil)
	_ resource.ResourceWithImportState = (*serverResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*serverResource)(nil)
)

// NewServerResource is rack_incus_server.
func NewServerResource() resource.Resource { return &serverResource{} }

func (r *serverResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_server"
}

func (r *serverResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (r *serverResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The configuration of an Incus server (`incus config set`), or of one member of a cluster (`--target`). " +
			"Only the keys in `config` are managed: keys set on the server that it does not name are left alone and are not drift. " +
			"The server is never deleted: destroy unsets the keys Terraform set, and only those.\n\n" +
			"Import ID: `[remote:]` (the whole server) or `[remote:]member` (a cluster member's own keys). After import every key the server has set is managed " +
			"(for a member, its own keys, such as `core.https_address`; for a cluster, the cluster-wide keys), `cluster.https_address` aside, which Incus does not change: a configuration naming those keys plans no change.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true,
				Description:   "The import ID: `remote:` or `remote:member`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"remote": incusattr.RemoteAttribute("server configuration"),
			"target": schema.StringAttribute{Optional: true,
				Description: "Cluster member whose own keys `config` holds (`incus config set --target`): only member-specific keys (`core.https_address`, `core.bgp_address`, `core.bgp_routerid`, `core.debug_address`, `core.dns_address`, `core.metrics_address`, `core.storage_buckets_address`, `core.syslog_socket`, `network.ovs.connection`, `storage.backups_volume`, `storage.images_volume`), since any other key would change the whole cluster. " +
					"Left out, `config` holds the server's (the cluster's) keys. Changing it replaces the resource.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				Description: "Server config keys, as `incus config set` takes them (`images.remote_cache_expiry`, `core.bgp_asn`, `user.*`, ...). A key Incus does not know is refused, naming the key.",
				Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}},
			"timeouts": fw.PlainTimeoutsAttribute(ctx, serverTimeouts),
		},
	}
}

func (r *serverResource) scope(m *serverModel) incus.Scope {
	s := incus.Scope{Remote: m.Remote.ValueString(), Target: m.Target.ValueString()}
	if r.data != nil {
		s = incusattr.ResolvedScope(r.data.Incus, s)
	}
	return s
}

func serverID(s incus.Scope) string { return s.Remote + ":" + s.Target }

func describeServer(s incus.Scope) string {
	if s.Target != "" {
		return fmt.Sprintf("the configuration of cluster member %q (remote %q)", s.Target, s.Remote)
	}
	return fmt.Sprintf("the server configuration (remote %q)", s.Remote)
}

func (r *serverResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan serverModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !incusattr.PlanScope(ctx, r.data.Incus, req, &resp.Diagnostics, &plan.Remote, nil) {
		return
	}
	if !plan.Target.IsNull() && !plan.Target.IsUnknown() && !plan.Config.IsUnknown() {
		var keys []string
		for k := range plan.Config.Elements() {
			if !memberServerKeys[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("config"), "Cluster-Wide Key With a Target",
				fmt.Sprintf("%s apply to the whole cluster, not to member %q alone: set them in a rack_incus_server without target. With target, config holds the member's own keys only.", quoteAll(keys), plan.Target.ValueString()))
			return
		}
	}
	if !plan.Remote.IsUnknown() && !plan.Target.IsUnknown() {
		plan.ID = types.StringValue(serverID(r.scope(&plan)))
	} else {
		plan.ID = types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	if len(q) == 1 {
		return "Key " + q[0] + " is a cluster-wide key: it would"
	}
	return "Keys " + strings.Join(q, ", ") + " are cluster-wide keys: they would"
}

// apply writes the wanted keys and unsets those Terraform set before and
// no longer wants.
func (r *serverResource) apply(ctx context.Context, s incus.Scope, want, prior types.Map, diags *diag.Diagnostics) error {
	changes := fw.StringMap(ctx, want, diags)
	if changes == nil {
		changes = map[string]string{}
	}
	for k := range prior.Elements() {
		if _, kept := changes[k]; !kept {
			changes[k] = ""
		}
	}
	if diags.HasError() || len(changes) == 0 {
		return nil
	}
	return r.data.Incus.PatchServerConfig(ctx, s, changes)
}

// read sets m.Config to the server's values of the managed keys; a managed
// key the server no longer has leaves the map (drift).
func (r *serverResource) read(ctx context.Context, s incus.Scope, m *serverModel) error {
	cur, err := r.data.Incus.GetServerConfig(ctx, s)
	if err != nil {
		return err
	}
	m.ID = types.StringValue(serverID(s))
	m.Remote = types.StringValue(s.Remote)
	if m.Config.IsNull() || m.Config.IsUnknown() {
		m.Config = types.MapNull(types.StringType)
		return nil
	}
	out := map[string]attr.Value{}
	for k := range m.Config.Elements() {
		if v, ok := cur.Config[k]; ok {
			out[k] = types.StringValue(v)
		}
	}
	m.Config = types.MapValueMust(types.StringType, out)
	return nil
}

func (r *serverResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serverModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.BeginStep(ctx, plan.Timeouts, "create", serverTimeouts.Create, &resp.Diagnostics)
	defer cancel()
	s := r.scope(&plan)
	if err := r.apply(ctx, s, plan.Config, types.MapNull(types.StringType), &resp.Diagnostics); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Configure Incus Server", err)
		return
	}
	if err := r.read(ctx, s, &plan); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Server Configuration", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *serverResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serverModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.BeginStep(ctx, state.Timeouts, "read", serverTimeouts.Read, &resp.Diagnostics)
	defer cancel()
	s := r.scope(&state)
	err := r.read(ctx, s, &state)
	if incus.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Incus Server Removed From State",
			fmt.Sprintf("%s cannot be read, so it was removed from state.\n\n%s", fw.Capitalize(describeServer(s)), err))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Server Configuration", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *serverResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serverModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.BeginStep(ctx, plan.Timeouts, "update", serverTimeouts.Update, &resp.Diagnostics)
	defer cancel()
	s := r.scope(&plan)
	if err := r.apply(ctx, s, plan.Config, state.Config, &resp.Diagnostics); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Configure Incus Server", err)
		return
	}
	if err := r.read(ctx, s, &plan); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Server Configuration", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete unsets the keys Terraform set; the server stays.
func (r *serverResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serverModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.BeginStep(ctx, state.Timeouts, "delete", serverTimeouts.Delete, &resp.Diagnostics)
	defer cancel()
	s := r.scope(&state)
	err := r.apply(ctx, s, types.MapNull(types.StringType), state.Config, &resp.Diagnostics)
	if err != nil && !incus.IsNotFound(err) {
		fw.AddError(&resp.Diagnostics, "Unable to Unset Incus Server Configuration", err)
	}
}

// ImportState takes `[remote:]` or `[remote:]member`, and manages every
// key set there (see the schema's description).
func (r *serverResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	remote, member, found := strings.Cut(req.ID, ":")
	if !found {
		remote, member = "", req.ID
	}
	s := incus.Scope{Remote: remote, Target: member}
	if r.data == nil {
		return
	}
	resolved, err := r.data.Incus.Resolve(s)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unknown Incus Remote in Import ID", err)
		return
	}
	s = resolved
	cur, err := r.data.Incus.GetServerConfig(ctx, s)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Cannot Import Incus Server Configuration", err)
		return
	}
	keys := map[string]attr.Value{}
	for k, v := range cur.Config {
		own := memberServerKeys[k]
		switch {
		case k == "cluster.https_address":
		case s.Target != "" && !own:
		case s.Target == "" && cur.Clustered && own:
		default:
			keys[k] = types.StringValue(v)
		}
	}
	set := func(attr string, v any) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attr), v)...)
	}
	set("id", serverID(s))
	set("remote", s.Remote)
	if s.Target != "" {
		set("target", s.Target)
	}
	if len(keys) > 0 {
		set("config", types.MapValueMust(types.StringType, keys))
	}
}
