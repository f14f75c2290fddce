# What GLEE reads from each sample's metainfo (set by FormatGLEEPrompts),
# besides mmdet's usual keys: PackDetInputs(meta_keys=glee_meta_keys).
glee_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                  'scale_factor', 'flip', 'flip_direction', 'text', 'task',
                  'dn_table')
