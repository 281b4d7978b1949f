/**
 * The one list of names a module cannot take, used by the analysis (so such a design is flagged
 * while editing) and by the PyTorch export (which refuses the same names): a module id is a
 * Python attribute of the exported nn.Module, so it cannot be a keyword, shadow an attribute or
 * method of torch.nn.Module, or start with an underscore (`_modules`, `__init__`, `_parameters`
 * are PyTorch's internals).
 */

/** Python 3 keywords, and names the exported forward() and network use for themselves. */
const PYTHON_NAMES =
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield input self super';

/** Attributes and methods of torch.nn.Module, PyTorch 1.13 to 2.x. */
const NN_MODULE_ATTRIBUTES = `T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches eval extra_repr float
  forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers named_children
  named_modules named_parameters parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
  register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook
  register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state
  set_submodule share_memory state_dict to to_empty train training type xpu zero_grad`;

export const RESERVED_MODULE_NAMES: ReadonlySet<string> = new Set(
  `${PYTHON_NAMES} ${NN_MODULE_ATTRIBUTES}`.split(/\s+/).filter(Boolean),
);

/** Whether a module id is reserved: a Python keyword, an nn.Module attribute, or a name starting with `_`. */
export function isReservedModuleName(id: string): boolean {
  return id.startsWith('_') || RESERVED_MODULE_NAMES.has(id);
}

/** Methods nn.ModuleDict adds to nn.Module's (PyTorch 1.13 to 2.x, `dir(nn.ModuleDict())`). */
const MODULE_DICT_METHODS = 'clear items keys pop update values';

/**
 * Keys a container (`blk.<key>`, exported as an nn.ModuleDict) cannot take: ModuleDict's
 * `add_module` refuses a key that is already an attribute (`blk.keys`, `blk.forward`,
 * `blk.training`, `blk.cuda` raise KeyError when the exported network is built).
 */
const RESERVED_CONTAINER_KEYS: ReadonlySet<string> = new Set(
  `${NN_MODULE_ATTRIBUTES} ${MODULE_DICT_METHODS}`.split(/\s+/).filter(Boolean),
);

/** Whether the key of a module id `base.key` is reserved: an attribute of nn.ModuleDict, or a name starting with `_`. */
export function isReservedContainerKey(key: string): boolean {
  return key.startsWith('_') || RESERVED_CONTAINER_KEYS.has(key);
}
