// Placeholder: this package's code lands with its issue (see docs/).
export {};
