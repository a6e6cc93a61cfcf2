package instance

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// instanceModel is the state and plan of rack_incus_instance.
type instanceModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Type        types.String `tfsdk:"type"`
	Image       types.String `tfsdk:"image"`
	Profiles    types.List   `tfsdk:"profiles"`
	Config      types.Map    `tfsdk:"config"`
	Devices     types.Set    `tfsdk:"devices"`
	Ephemeral   types.Bool   `tfsdk:"ephemeral"`
	Running     types.Bool   `tfsdk:"running"`
	StopTimeout types.Int64  `tfsdk:"stop_timeout"`
	Target      types.String `tfsdk:"target"`
	Project     types.String `tfsdk:"project"`
	Remote      types.String `tfsdk:"remote"`
	WaitFor     types.List   `tfsdk:"wait_for"`
	Files       types.List   `tfsdk:"files"` // instance_files.go
	Execs       types.Map    `tfsdk:"execs"` // instance_execs.go

	// Where the instance comes from besides an image, and how image and
	// config changes are applied (instance_source.go, instance_rebuild.go).
	SourceInstance   types.Object `tfsdk:"source_instance"`
	SourceFile       types.String `tfsdk:"source_file"`
	SourceFileSHA256 types.String `tfsdk:"source_file_sha256"`
	ImageChange      types.String `tfsdk:"image_change"`
	RestartOnChange  types.Bool   `tfsdk:"restart_on_change"`

	Status           types.String `tfsdk:"status"`
	IPv4Address      types.String `tfsdk:"ipv4_address"`
	IPv6Address      types.String `tfsdk:"ipv6_address"`
	MACAddress       types.String `tfsdk:"mac_address"`
	Interfaces       types.Map    `tfsdk:"interfaces"`
	Architecture     types.String `tfsdk:"architecture"`
	CreatedAt        types.String `tfsdk:"created_at"`
	ImageFingerprint types.String `tfsdk:"image_fingerprint"`

	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

var interfaceAttrTypes = map[string]attr.Type{
	"mac_address":    types.StringType,
	"ipv4_addresses": types.ListType{ElemType: types.StringType},
	"ipv6_addresses": types.ListType{ElemType: types.StringType},
}

var waitForAttrTypes = map[string]attr.Type{
	"type":  types.StringType,
	"nic":   types.StringType,
	"delay": types.StringType,
}

type waitForModel struct {
	Type  types.String `tfsdk:"type"`
	NIC   types.String `tfsdk:"nic"`
	Delay types.String `tfsdk:"delay"`
}

const defaultStopTimeout = 30

func (m *instanceModel) scope() incus.Scope {
	return incus.Scope{Remote: m.Remote.ValueString(), Project: m.Project.ValueString()}
}

func waitConditions(ctx context.Context, l types.List, diags *diag.Diagnostics) []incus.WaitCondition {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var items []waitForModel
	diags.Append(l.ElementsAs(ctx, &items, false)...)
	out := make([]incus.WaitCondition, 0, len(items))
	for _, w := range items {
		c := incus.WaitCondition{Type: w.Type.ValueString(), NIC: w.NIC.ValueString()}
		if w.Delay.ValueString() != "" {
			d, err := time.ParseDuration(w.Delay.ValueString())
			if err != nil {
				diags.AddError("Invalid wait_for delay", err.Error())
			}
			c.Delay = d
		}
		out = append(out, c)
	}
	return out
}

// applyInstance copies what the server reports into the model. Attributes the
// server cannot tell (image as written, target, wait_for, stop_timeout) are
// kept. Keys Incus manages (volatile.*, image.*) never show as drift.
func (m *instanceModel) applyInstance(inst *incus.Instance, s incus.Scope) {
	m.Name = types.StringValue(inst.Name)
	m.Remote = types.StringValue(s.Remote)
	m.Project = types.StringValue(s.Project)
	m.ID = types.StringValue(incus.ImportID(s, inst.Name))
	m.Description = types.StringValue(inst.Description)
	m.Type = types.StringValue(inst.Type)
	m.Ephemeral = types.BoolValue(inst.Ephemeral)
	m.Running = types.BoolValue(inst.Running())
	m.Status = types.StringValue(inst.Status)
	m.Architecture = types.StringValue(inst.Architecture)
	m.CreatedAt = types.StringValue(inst.CreatedAt.UTC().Format(time.RFC3339))
	m.ImageFingerprint = types.StringValue(inst.ImageFingerprint)

	profiles := make([]attr.Value, 0, len(inst.Profiles))
	for _, p := range inst.Profiles {
		profiles = append(profiles, types.StringValue(p))
	}
	m.Profiles = types.ListValueMust(types.StringType, profiles)

	userConfig := inst.UserConfig()
	if len(userConfig) == 0 && (m.Config.IsNull() || m.Config.IsUnknown()) {
		m.Config = types.MapNull(types.StringType)
	} else {
		vals := map[string]attr.Value{}
		for k, v := range userConfig {
			vals[k] = types.StringValue(v)
		}
		m.Config = types.MapValueMust(types.StringType, vals)
	}
	if len(inst.Devices) == 0 && (m.Devices.IsNull() || m.Devices.IsUnknown()) {
		m.Devices = types.SetNull(types.ObjectType{AttrTypes: incusattr.DeviceAttrTypes})
	} else {
		m.Devices = incusattr.DevicesFromAPI(inst.Devices, m.Devices)
	}
	if m.StopTimeout.IsNull() || m.StopTimeout.IsUnknown() {
		m.StopTimeout = types.Int64Value(defaultStopTimeout)
	}
	if m.WaitFor.IsUnknown() {
		m.WaitFor = types.ListNull(types.ObjectType{AttrTypes: waitForAttrTypes})
	}
	if m.Files.IsUnknown() {
		m.Files = types.ListNull(types.ObjectType{AttrTypes: fileAttrTypes})
	}
	if m.Execs.IsUnknown() {
		m.Execs = types.MapNull(types.ObjectType{AttrTypes: execAttrTypes})
	}
	if m.Target.IsUnknown() {
		m.Target = types.StringNull()
	}
	m.applySourceDefaults()

	ifaces := map[string]attr.Value{}
	m.IPv4Address, m.IPv6Address, m.MACAddress = types.StringValue(""), types.StringValue(""), types.StringValue("")
	for _, ifc := range inst.Interfaces {
		ifaces[ifc.Name] = types.ObjectValueMust(interfaceAttrTypes, map[string]attr.Value{
			"mac_address":    types.StringValue(ifc.MAC),
			"ipv4_addresses": fw.StringListValue(ifc.IPv4),
			"ipv6_addresses": fw.StringListValue(ifc.IPv6),
		})
	}
	if primary := primaryInterface(inst.Interfaces); primary != nil {
		m.MACAddress = types.StringValue(primary.MAC)
		if len(primary.IPv4) > 0 {
			m.IPv4Address = types.StringValue(primary.IPv4[0])
		}
		if len(primary.IPv6) > 0 {
			m.IPv6Address = types.StringValue(primary.IPv6[0])
		}
	}
	m.Interfaces = types.MapValueMust(types.ObjectType{AttrTypes: interfaceAttrTypes}, ifaces)
}

// primaryInterface is eth0 when there is one, else the first interface with
// an address, else the first one.
func primaryInterface(ifaces []incus.Interface) *incus.Interface {
	sorted := append([]incus.Interface{}, ifaces...)
	sort.SliceStable(sorted, func(i, j int) bool { return strings.Compare(sorted[i].Name, sorted[j].Name) < 0 })
	for i := range sorted {
		if sorted[i].Name == "eth0" {
			return &sorted[i]
		}
	}
	for i := range sorted {
		if len(sorted[i].IPv4)+len(sorted[i].IPv6) > 0 {
			return &sorted[i]
		}
	}
	if len(sorted) > 0 {
		return &sorted[0]
	}
	return nil
}
