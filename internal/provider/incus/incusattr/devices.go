package incusattr

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var DeviceAttrTypes = map[string]attr.Type{
	"name":       types.StringType,
	"type":       types.StringType,
	"properties": types.MapType{ElemType: types.StringType},
}

type DeviceModel struct {
	Name       types.String `tfsdk:"name"`
	Type       types.String `tfsdk:"type"`
	Properties types.Map    `tfsdk:"properties"`
}

// DevicesToAPI turns the devices set into Incus's map of device maps.
func DevicesToAPI(ctx context.Context, set types.Set, diags *diag.Diagnostics) map[string]map[string]string {
	out := map[string]map[string]string{}
	if set.IsNull() || set.IsUnknown() {
		return out
	}
	var devs []DeviceModel
	diags.Append(set.ElementsAs(ctx, &devs, false)...)
	for _, d := range devs {
		props := map[string]string{}
		if !d.Properties.IsNull() && !d.Properties.IsUnknown() {
			diags.Append(d.Properties.ElementsAs(ctx, &props, false)...)
		}
		props["type"] = d.Type.ValueString()
		out[d.Name.ValueString()] = props
	}
	return out
}

// DevicesFromAPI turns Incus's devices into the set. A device with no
// properties keeps the form it had before (null or {}), so that
// `{ name = "eth0", type = "none" }` reads back as written.
func DevicesFromAPI(devs map[string]map[string]string, prior types.Set) types.Set {
	priorNull := map[string]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for _, e := range prior.Elements() {
			obj, ok := e.(types.Object)
			if !ok {
				continue
			}
			name, _ := obj.Attributes()["name"].(types.String)
			props, _ := obj.Attributes()["properties"].(types.Map)
			priorNull[name.ValueString()] = props.IsNull()
		}
	}
	elemType := types.ObjectType{AttrTypes: DeviceAttrTypes}
	elems := make([]attr.Value, 0, len(devs))
	for name, d := range devs {
		props := map[string]attr.Value{}
		for k, v := range d {
			if k != "type" {
				props[k] = types.StringValue(v)
			}
		}
		propsValue := types.MapValueMust(types.StringType, props)
		if len(props) == 0 && priorNull[name] {
			propsValue = types.MapNull(types.StringType)
		}
		elems = append(elems, types.ObjectValueMust(DeviceAttrTypes, map[string]attr.Value{
			"name":       types.StringValue(name),
			"type":       types.StringValue(d["type"]),
			"properties": propsValue,
		}))
	}
	return types.SetValueMust(elemType, elems)
}

// SameDevices compares two devices values, `devices = []` and no devices
// being the same: switching between them is an update that only records
// the new form (Terraform does not let the plan keep the prior one for an
// attribute that is not computed).
func SameDevices(a, b types.Set) bool {
	empty := func(v types.Set) bool { return v.IsNull() || (!v.IsUnknown() && len(v.Elements()) == 0) }
	return a.Equal(b) || (empty(a) && empty(b))
}

// DevicesAttribute is the `devices` attribute of an owner ("instance",
// "profile"); what begins its description.
func DevicesAttribute(owner, what string) schema.SetNestedAttribute {
	return schema.SetNestedAttribute{
		Optional:    true,
		Description: what + "; see Incus's [device reference](https://linuxcontainers.org/incus/docs/main/reference/devices/). `[]` is the same as leaving it out: no devices of its own.",
		Validators:  []validator.Set{UniqueDeviceNames{}},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "Device name, unique within the " + owner + ".", Validators: []validator.String{DeviceNameValidator}},
			"type": schema.StringAttribute{Required: true, Description: "Device type: `disk`, `nic`, `proxy`, `unix-char`, `gpu`, ...",
				Validators: []validator.String{stringvalidator.OneOf("disk", "nic", "none", "unix-char", "unix-block", "unix-hotplug", "usb", "gpu", "infiniband", "proxy", "tpm", "pci")}},
			"properties": schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: "Device properties (`path`, `source`, `pool`, `network`, ...), as in Incus's [device reference](https://linuxcontainers.org/incus/docs/main/reference/devices/) for the type."},
		}},
	}
}
