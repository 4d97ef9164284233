/**
 * The in-memory model of one BTF blob (kernel Documentation/bpf/btf.rst).
 * Every type carries its id and its name ('' when anonymous); references to
 * other types are plain ids, resolved through `Btf.type()`. Id 0 is `void`.
 */

export type BtfEndian = 'little' | 'big';
export type BtfLinkage = 'static' | 'global' | 'extern';

interface BtfTypeBase {
  readonly id: number;
  readonly name: string;
}

export interface BtfVoid extends BtfTypeBase {
  readonly kind: 'void';
}

export interface BtfInt extends BtfTypeBase {
  readonly kind: 'int';
  readonly size: number;
  readonly signed: boolean;
  readonly char: boolean;
  readonly bool: boolean;
  /** Old-style bitfield encoding: bit offset inside the storage, and width. */
  readonly bitOffset: number;
  readonly bits: number;
}

export interface BtfFloat extends BtfTypeBase {
  readonly kind: 'float';
  readonly size: number;
}

export interface BtfPtr extends BtfTypeBase {
  readonly kind: 'ptr';
  readonly type: number;
}

export interface BtfArray extends BtfTypeBase {
  readonly kind: 'array';
  readonly type: number;
  readonly indexType: number;
  /** 0 for a flexible or zero-length array. */
  readonly nelems: number;
}

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Bit offset from the start of the enclosing struct/union. */
  readonly bitOffset: number;
  /** Width when the struct encodes bitfields in the member (kind_flag); 0 otherwise. */
  readonly bitfieldSize: number;
}

export interface BtfComposite extends BtfTypeBase {
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly members: readonly BtfMember[];
}

export interface BtfEnumValue {
  readonly name: string;
  readonly value: number;
}

export interface BtfEnum extends BtfTypeBase {
  readonly kind: 'enum';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnumValue[];
}

export interface BtfEnum64Value {
  readonly name: string;
  readonly value: bigint;
}

export interface BtfEnum64 extends BtfTypeBase {
  readonly kind: 'enum64';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnum64Value[];
}

export interface BtfFwd extends BtfTypeBase {
  readonly kind: 'fwd';
  /** `union NAME;` rather than `struct NAME;`. */
  readonly union: boolean;
}

export interface BtfTypedef extends BtfTypeBase {
  readonly kind: 'typedef';
  readonly type: number;
}

export type BtfQualifierKind = 'const' | 'volatile' | 'restrict';

export interface BtfQualifier extends BtfTypeBase {
  readonly kind: BtfQualifierKind;
  readonly type: number;
}

export interface BtfTypeTag extends BtfTypeBase {
  readonly kind: 'type_tag';
  readonly type: number;
}

export interface BtfFunc extends BtfTypeBase {
  readonly kind: 'func';
  /** Always a FUNC_PROTO. */
  readonly type: number;
  readonly linkage: BtfLinkage;
}

export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

export interface BtfFuncProto extends BtfTypeBase {
  readonly kind: 'func_proto';
  /** 0 for `void`. */
  readonly ret: number;
  /** Named and unnamed parameters, without the trailing varargs marker. */
  readonly params: readonly BtfParam[];
  readonly variadic: boolean;
}

export interface BtfVar extends BtfTypeBase {
  readonly kind: 'var';
  readonly type: number;
  readonly linkage: BtfLinkage;
}

export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfDatasec extends BtfTypeBase {
  readonly kind: 'datasec';
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}

export interface BtfDeclTag extends BtfTypeBase {
  readonly kind: 'decl_tag';
  readonly type: number;
  /** -1 for the type itself, else the member/parameter index. */
  readonly componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfFloat
  | BtfPtr
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfTypedef
  | BtfQualifier
  | BtfTypeTag
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfDeclTag;

export type BtfKind = BtfType['kind'];

/** A parsed, validated BTF blob, possibly split on top of a base BTF. */
export interface Btf {
  readonly endian: BtfEndian;
  readonly base: Btf | undefined;
  /** Id of this blob's first own type: 1 for a base BTF, base.typeCount for split BTF. */
  readonly firstId: number;
  /** One past the highest valid id (base types and void included). */
  readonly typeCount: number;
  /** This blob's own types; `types[i].id === firstId + i`. */
  readonly types: readonly BtfType[];
  /** The type with this id, from this blob or its base; throws BAD_BTF if out of range. */
  type(id: number): BtfType;
}
