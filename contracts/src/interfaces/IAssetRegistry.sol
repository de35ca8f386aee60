// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IAssetRegistry
 * @notice Types, events and errors of the Caravan asset registry: datasets, models and assistants,
 * identified by the hash of their content, with their lineage (which assets they were built from).
 */
interface IAssetRegistry {
    /// @notice What an asset is. Encoded as uint8: DATASET = 0, MODEL = 1, ASSISTANT = 2.
    enum AssetKind {
        DATASET,
        MODEL,
        ASSISTANT
    }

    /// @notice How an asset derives from a parent. Encoded as uint8: TRAINED_ON = 0, FINETUNED_FROM = 1.
    enum Relation {
        TRAINED_ON,
        FINETUNED_FROM
    }

    /// @notice A lineage link from an asset to one of the assets it was built from.
    struct Parent {
        uint256 assetId;
        Relation relation;
    }

    /**
     * @notice A registered asset.
     * @param owner the account that controls the asset's metadata and license terms
     * @param kind dataset, model or assistant
     * @param depth length of the longest lineage path to a root asset (0 for an asset without parents)
     * @param registeredAt block timestamp of registration
     * @param contentHash hash of the asset's content (the content itself stays off-chain)
     * @param uri metadata URI
     */
    struct Asset {
        address owner;
        AssetKind kind;
        uint8 depth;
        uint64 registeredAt;
        bytes32 contentHash;
        string uri;
    }

    /// @notice Emitted when an asset is registered.
    event AssetRegistered(
        uint256 indexed assetId, AssetKind kind, bytes32 indexed contentHash, address indexed owner, string uri
    );

    /// @notice Emitted for each lineage link of a newly registered asset.
    event ParentLinked(uint256 indexed assetId, uint256 indexed parentId, Relation relation);

    /// @notice Emitted when an asset's metadata URI changes.
    event AssetURIUpdated(uint256 indexed assetId, string uri);

    /// @notice Emitted when an asset changes owner.
    event AssetOwnershipTransferred(uint256 indexed assetId, address indexed previousOwner, address indexed newOwner);

    /// @notice The content hash is zero.
    error AssetRegistryZeroContentHash();

    /// @notice The content hash is already registered as `existingAssetId`.
    error AssetRegistryDuplicateContentHash(bytes32 contentHash, uint256 existingAssetId);

    /// @notice The owner is not a valid account (the zero address).
    error AssetRegistryInvalidOwner(address owner);

    /// @notice No asset has id `assetId`.
    error AssetRegistryUnknownAsset(uint256 assetId);

    /// @notice An asset lists `count` parents, more than `max`.
    error AssetRegistryTooManyParents(uint256 count, uint256 max);

    /// @notice The same parent is listed twice.
    error AssetRegistryDuplicateParent(uint256 parentId);

    /// @notice The lineage would be `depth` deep, more than `max`.
    error AssetRegistryLineageTooDeep(uint256 depth, uint256 max);

    /// @notice `relation` to parent `parentId` is not allowed for an asset of kind `kind`.
    error AssetRegistryInvalidRelation(AssetKind kind, uint256 parentId, Relation relation);

    /// @notice `account` may not manage asset `assetId`.
    error AssetRegistryUnauthorized(address account, uint256 assetId);

    /// @notice Registers an asset and its lineage; returns its id (ids start at 1).
    function registerAsset(
        AssetKind kind,
        bytes32 contentHash,
        string calldata uri,
        address owner,
        Parent[] calldata parents
    ) external returns (uint256 assetId);

    /// @notice The id of the asset with `contentHash`, or 0 when none.
    function assetIdByHash(bytes32 contentHash) external view returns (uint256);

    /// @notice The asset `assetId`; reverts for an unknown id.
    function assetOf(uint256 assetId) external view returns (Asset memory);

    /// @notice The direct parents of `assetId`.
    function parentsOf(uint256 assetId) external view returns (Parent[] memory);

    /// @notice Whether `assetId` is registered.
    function exists(uint256 assetId) external view returns (bool);

    /// @notice The owner of `assetId`; reverts for an unknown id.
    function ownerOfAsset(uint256 assetId) external view returns (address);

    /// @notice Whether `account` holds the operator role.
    function isOperator(address account) external view returns (bool);

    /// @notice Whether `account` holds the registry's admin role.
    function isAdmin(address account) external view returns (bool);
}
