/** DWARF/BTF spellings of base types that gdb prints differently. */
const GDB_NAMES: Readonly<Record<string, string>> = {
  'long unsigned int': 'unsigned long',
  'long long unsigned int': 'unsigned long long',
  'short unsigned int': 'unsigned short',
  'long int': 'long',
  'long long int': 'long long',
  'short int': 'short',
};

export const gdbBaseName = (name: string): string => GDB_NAMES[name] ?? name;
