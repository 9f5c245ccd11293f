// Used by sim_tool.test: halve eight int32 values with rounding, store as int8.
.config snpu16
.buffer X 32 input
.buffer Y 8 output
load mem=acc buf=X ysize=2 ystride=16 cols=4 push_next
alu op=shr dst=0 use_imm imm=1 inner=2 dst_si=1 pop_prev push_next
store mem=acc out=i8 buf=Y ysize=2 ystride=4 cols=4 pop_prev
halt
